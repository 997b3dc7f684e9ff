# shellcheck shell=bash
# What every script under scripts/ and .ci/run share, said once: sourced, never run.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"        # from scripts/; ../lib.sh from scripts/test.d/
#
# Sourcing it sets `root` to the repository root, changes into it and installs one EXIT trap that, however the
# script ends, stops by PID every process started with `spawn` or `start_stack`, shows the end of their logs if
# the script failed, runs what `at_exit` registered, removes `$work` (a temporary folder of its own) and, in the
# outermost script, prints how long each step run with `timed` took, nested scripts' steps included.
#
#   die MESSAGE...                 the script's name and MESSAGE on stderr, then exit 1
#   need TOOL WHAT-TO-DO...        fails naming WHAT-TO-DO unless TOOL (a command, or a path) can be run
#   free_port                      a 127.0.0.1 TCP port that was free a moment ago
#   alive PID                      PID runs (a zombie counts as exited)
#   stop_pid PID                   SIGTERM, up to 10 s, then SIGKILL; reaps it when it is this shell's child
#   spawn NAME CMD...              CMD in the background, output in $work/NAME.log, PID in spawned_pid
#   wait_until NAME PID CMD...     until CMD succeeds; fails if PID exits first, or after WAIT_SECONDS (30)
#   build_debug                    the debug build of every package, as the tests make it
#   build_stack debug|release      builds the local stack and the load client; sets bin to their folder
#   start_stack NAME [VAR=VALUE...] the local stack on a free 127.0.0.1 port, configured by VAR=VALUE only,
#                                  once /api/health answers; sets stack_url and stack_pid; run under the
#                                  command in the array stack_wrapper when it is set (valgrind, say)
#   make_links URL COUNT TARGET PATHS  COUNT links to TARGET made through URL's POST /shorten (the load client),
#                                  their paths (/ID, one a line) written to PATHS
#   at_exit COMMAND                runs COMMAND (a string, in this shell) at exit, last registered first
#   timed NAME CMD...              runs CMD (a program: set -e does not reach into a function run this way)
#                                  and records how long it took and its exit status
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
script_name="$(basename "$0")"
work="$(mktemp -d)"
spawned_pids=()
spawned_names=()
exit_commands=()

die() {
    echo "$script_name: $*" >&2
    exit 1
}

need() {
    local tool="$1"
    shift
    if [[ "$tool" == */* ]]; then
        [[ -x "$tool" ]] && return 0
    else
        command -v "$tool" >/dev/null && return 0
    fi
    die "$tool is missing: $*"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

alive() {
    kill -0 "$1" 2>/dev/null || return 1
    [[ "$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true)" != Z ]]
}

stop_pid() {
    local pid="$1" i
    if alive "$pid"; then
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then
            echo "$script_name: PID $pid ignored SIGTERM; sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do
                alive "$pid" || break
                sleep 0.1
            done
        fi
    fi
    wait "$pid" 2>/dev/null || true
    ! alive "$pid"
}

# Not meant for $(...): the PID must reach this shell, so it is left in spawned_pid.
spawn() {
    local name="$1"
    shift
    "$@" </dev/null >"$work/$name.log" 2>&1 &
    spawned_pid=$!
    spawned_pids+=("$spawned_pid")
    spawned_names+=("$name")
}

wait_until() {
    local name="$1" pid="$2" deadline=$((SECONDS + ${WAIT_SECONDS:-30}))
    shift 2
    until "$@" 2>/dev/null; do
        if ! alive "$pid"; then
            echo "$script_name: $name exited before it was ready" >&2
            return 1
        fi
        if ((SECONDS >= deadline)); then
            echo "$script_name: $name was not ready after ${WAIT_SECONDS:-30} s" >&2
            return 1
        fi
        sleep 0.1
    done
}

# Every cargo invocation resolves the dependencies' features for the packages it names, and compiles them again
# wherever that differs. So the debug build is the one the tests make (`cargo test --workspace --all-targets`,
# which builds every binary too), and every release build of the stack names the same packages: each step and
# benchmark reuses one build of each.
build_debug() {
    cargo test --quiet --workspace --all-targets --no-run
}

build_stack() {
    case "$1" in
        debug) build_debug ;;
        release) cargo build --release -p shortener-local -p shortener-loadtest ;;
        *) die "build_stack: debug or release, not $1" ;;
    esac
    bin="$root/target/$1"
}

# The stack sees only PATH and what it is given: a setting in the caller's environment cannot leak in.
# Defaults, each overridden by a VAR=VALUE of the same name: RUST_LOG=warn, a data folder of its own under $work,
# the repository's site/, and LISTEN on a free port.
start_stack() {
    local name="$1" listen="127.0.0.1:$(free_port)" setting
    shift
    for setting in "$@"; do
        [[ "$setting" == LISTEN=* ]] && listen="${setting#LISTEN=}"
    done
    [[ -n "${bin:-}" ]] || die "start_stack: build_stack first"
    spawn "$name" env -i PATH="$PATH" RUST_LOG=warn DATA_DIR="$work/data-$name" SITE_DIR="$root/site" \
        LISTEN="$listen" "$@" ${stack_wrapper[@]+"${stack_wrapper[@]}"} "$bin/shortener-local"
    stack_pid=$spawned_pid
    stack_url="http://$listen"
    wait_until "the $name stack" "$stack_pid" curl -fs -o /dev/null "$stack_url/api/health"
}

make_links() {
    local url="$1" count="$2" target="$3" paths="$4"
    "$bin/shortener-loadtest" --host "$url" --links "$count" --fixed-target "$target" --save-links "$paths.json" \
        --setup-only
    python3 -c 'import json, sys; print("\n".join("/" + l["id"] for l in json.load(open(sys.argv[1]))))' \
        "$paths.json" >"$paths"
}

at_exit() {
    exit_commands+=("$1")
}

# The step durations go to one file that nested scripts append to (STEP_TIMES is exported); whoever created it
# prints it.
if [[ -z "${STEP_TIMES:-}" ]]; then
    STEP_TIMES="$work/step-times"
    : >"$STEP_TIMES"
    export STEP_TIMES
    step_times_owner=1
fi

timed() {
    local name="$1" start=$SECONDS rc=0
    shift
    STEP_PREFIX="${STEP_PREFIX:-}$name > " "$@" || rc=$?
    printf '%s\t%s\t%s\n' "${STEP_PREFIX:-}$name" "$((SECONDS - start))" "$rc" >>"$STEP_TIMES"
    return "$rc"
}

print_step_times() {
    [[ -s "$STEP_TIMES" ]] || return 0
    echo "--- step durations ($script_name)" >&2
    awk -F '\t' '{ printf "%6d s  %-52s %s\n", $2, $1, ($3 == 0 ? "ok" : "FAILED (exit " $3 ")") }' "$STEP_TIMES" >&2
    awk -F '\t' '$1 !~ / > / { total += $2 } END { printf "%6d s  in all\n", total }' "$STEP_TIMES" >&2
}

on_exit() {
    local rc=$? i
    trap - EXIT INT TERM
    for ((i = ${#spawned_pids[@]} - 1; i >= 0; i--)); do
        stop_pid "${spawned_pids[i]}" || echo "$script_name: could not stop ${spawned_names[i]} (PID ${spawned_pids[i]})" >&2
    done
    if ((rc != 0)); then
        for i in "${!spawned_names[@]}"; do
            [[ -s "$work/${spawned_names[i]}.log" ]] || continue
            echo "--- ${spawned_names[i]} log (last 40 lines)" >&2
            tail -n 40 "$work/${spawned_names[i]}.log" >&2
        done
    fi
    for ((i = ${#exit_commands[@]} - 1; i >= 0; i--)); do
        eval "${exit_commands[i]}" || echo "$script_name: at exit, '${exit_commands[i]}' failed" >&2
    done
    [[ -z "${step_times_owner:-}" ]] || print_step_times
    rm -rf "$work"
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
