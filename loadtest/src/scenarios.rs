//! The goose scenarios: `redirect`, `create`, `miss` and `mixed` (which also edits hot links, at its `edit`
//! weight). Each user first swaps goose's client for one that does not follow redirects (a redirect is the answer
//! under test, not a hop to take), then every request's answer is checked against the HTTP contract and counted in
//! [`RunStats`].

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use goose::prelude::*;
use rand::Rng;

use crate::{
    clicks::ClickLedger,
    edits::{EditLedger, check_edited},
    links::{SavedLink, Targets, check_created},
    popularity::Zipf,
    stats::{CacheAnswer, Kind, Observation, RunStats},
};

/// The `User-Agent` of every request, so a deployment's logs can tell load tests apart.
pub const USER_AGENT: &str = concat!("shortener-loadtest/", env!("CARGO_PKG_VERSION"));

/// The share of each kind of request in the `mixed` scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    /// Weight of clicks on known links.
    pub redirect: u32,
    /// Weight of creates.
    pub create: u32,
    /// Weight of clicks on unknown IDs.
    pub miss: u32,
    /// Weight of edits of hot links.
    pub edit: u32,
}

impl Default for Mix {
    /// Reads and writes at 99:1.
    fn default() -> Self {
        Self { redirect: 99, create: 1, miss: 0, edit: 0 }
    }
}

impl std::str::FromStr for Mix {
    type Err = String;

    /// Parses `redirect=99,create=1,miss=0,edit=0`; a kind left out weighs 0.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut mix = Mix { redirect: 0, create: 0, miss: 0, edit: 0 };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (kind, weight) = part.split_once('=').ok_or_else(|| format!("{part:?} is not kind=weight"))?;
            let weight: u32 = weight.trim().parse().map_err(|_| format!("{weight:?} is not a whole number"))?;
            match kind.trim() {
                "redirect" => mix.redirect = weight,
                "create" => mix.create = weight,
                "miss" => mix.miss = weight,
                "edit" => mix.edit = weight,
                other => return Err(format!("unknown kind {other:?}: use redirect, create, miss and edit")),
            }
        }
        if mix.total() == 0 {
            return Err("at least one weight must be above 0".into());
        }
        Ok(mix)
    }
}

impl Mix {
    fn total(self) -> u64 {
        u64::from(self.redirect) + u64::from(self.create) + u64::from(self.miss) + u64::from(self.edit)
    }

    /// The kind for a draw in `0..total`.
    fn pick(self, draw: u64) -> Kind {
        let mut bound = 0;
        for (kind, weight) in [
            (Kind::Redirect, self.redirect),
            (Kind::Create, self.create),
            (Kind::Miss, self.miss),
            (Kind::Edit, self.edit),
        ] {
            bound += u64::from(weight);
            if draw < bound {
                return kind;
            }
        }
        Kind::Edit
    }
}

/// Everything the scenarios share: the links to click, how to pick them, what to expect, and the counters.
#[derive(Debug)]
pub struct Plan {
    /// Known links, clicked by `redirect`.
    pub links: Vec<SavedLink>,
    /// Which link a click picks.
    pub popularity: Zipf,
    /// Valid-looking IDs no link has, clicked by `miss`.
    pub unknown: Vec<String>,
    /// The URLs `create` posts.
    pub targets: Targets,
    /// The base every `shortUrl` must start with.
    pub public_base: String,
    /// The status a known link must answer with.
    pub redirect_status: u16,
    /// The `mixed` scenario's weights.
    pub mix: Mix,
    /// How long one request may take.
    pub timeout: Duration,
    /// Whether a redirect or a 404 without `x-shortener-cache` passes (only for servers that are not the
    /// shortener, like the benchmark's bare server).
    pub allow_missing_cache_header: bool,
    /// The resolver's negative TTL: how long it remembers an unknown ID after reading the store for it.
    pub negative_ttl: Duration,
    /// Resolver processes with a memory of their own (Lambda instances).
    pub resolver_instances: u64,
    /// The targets of the links `edit` changes, which clicks on them are judged by.
    pub edits: EditLedger,
    /// What the users saw.
    pub stats: RunStats,
    /// The clicks each link was sent, for the click-count check.
    pub clicks: ClickLedger,
}

/// The four scenarios, each named as `--scenarios` selects it.
pub fn scenarios(plan: &Arc<Plan>) -> Vec<Scenario> {
    let named = |name: &'static str, kind: Option<Kind>| {
        scenario!(name).register_transaction(client_setup(plan)).register_transaction(work(plan, name, kind))
    };
    vec![
        named("redirect", Some(Kind::Redirect)),
        named("create", Some(Kind::Create)),
        named("miss", Some(Kind::Miss)),
        named("mixed", None),
    ]
}

fn client_setup(plan: &Arc<Plan>) -> Transaction {
    let timeout = plan.timeout;
    let setup: TransactionFunction = Arc::new(move |user| {
        Box::pin(async move {
            let builder = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(timeout)
                .user_agent(USER_AGENT);
            user.set_client_builder(builder).await.map_err(Box::new)
        })
    });
    Transaction::new(setup).set_name("client without redirects").set_on_start()
}

/// One transaction per iteration: the scenario's kind, or for `mixed` a kind drawn by the weights.
fn work(plan: &Arc<Plan>, name: &'static str, kind: Option<Kind>) -> Transaction {
    let plan = Arc::clone(plan);
    let run: TransactionFunction = Arc::new(move |user| {
        let plan = Arc::clone(&plan);
        Box::pin(async move {
            let kind = kind.unwrap_or_else(|| plan.mix.pick(rand::rng().random_range(0..plan.mix.total())));
            match kind {
                Kind::Redirect => redirect(user, &plan).await,
                Kind::Create => create(user, &plan).await,
                Kind::Miss => miss(user, &plan).await,
                Kind::Edit => edit(user, &plan).await,
            }
        })
    });
    Transaction::new(run).set_name(name)
}

/// The parts of a response the checks read, taken before the body is.
struct Answer {
    status: u16,
    location: Option<String>,
    cache_control: Option<String>,
    cache: CacheAnswer,
    cache_raw: Option<String>,
    edge_hit: bool,
    header_bytes: u64,
    body: Vec<u8>,
}

async fn read(response: reqwest::Response) -> Result<Answer, reqwest::Error> {
    let headers = response.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let cache_raw = text("x-shortener-cache");
    let status = response.status();
    let header_bytes = headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum::<usize>()
        + format!("HTTP/1.1 {status}\r\n\r\n").len();
    let mut answer = Answer {
        status: status.as_u16(),
        location: text("location"),
        cache_control: text("cache-control"),
        cache: CacheAnswer::parse(cache_raw.as_deref()),
        cache_raw,
        edge_hit: text("x-cache").is_some_and(|v| v.starts_with("Hit from cloudfront")),
        header_bytes: header_bytes as u64,
        body: Vec::new(),
    };
    answer.body = response.bytes().await?.to_vec();
    Ok(answer)
}

/// Bytes of a request as sent: request line, the headers reqwest sends, body.
fn request_bytes(user: &GooseUser, method: &str, path: &str, body: usize) -> u64 {
    let host = user.base_url.host_str().map_or(0, str::len) + 6;
    let mut bytes = method.len() + path.len() + " HTTP/1.1\r\n".len() + "host: \r\n".len() + host;
    bytes += "accept: */*\r\n".len() + "user-agent: \r\n".len() + USER_AGENT.len() + 2;
    if body > 0 {
        bytes += "content-type: application/json\r\ncontent-length: \r\n".len() + body.to_string().len() + body;
    }
    bytes as u64
}

/// Sends `request`, reads the whole answer, runs `check` on it, and records the outcome both in goose's metrics
/// (a failed check fails the request) and in the run's counters.
async fn exchange(
    user: &mut GooseUser,
    plan: &Plan,
    kind: Kind,
    request: GooseRequest<'_>,
    sent_bytes: u64,
    check: impl FnOnce(&Answer, Instant) -> Result<(), String>,
) -> TransactionResult {
    let started = plan.stats.start();
    let mut goose = user.request(request).await?;
    let outcome = match goose.response {
        Ok(response) => read(response).await.map_err(|e| format!("reading the body: {e}")),
        Err(ref e) => Err(if e.is_timeout() { "timeout".to_owned() } else { "no response".to_owned() }),
    };
    let mut seen = Observation {
        status: None,
        micros: 0,
        cache: CacheAnswer::Absent,
        edge_hit: false,
        request_bytes: sent_bytes,
        response_bytes: 0,
    };
    let failure = match outcome {
        Ok(answer) => {
            seen.status = Some(answer.status);
            seen.cache = answer.cache;
            seen.edge_hit = answer.edge_hit;
            seen.response_bytes = answer.header_bytes + answer.body.len() as u64;
            check(&answer, started).err()
        }
        Err(reason) => Some(reason),
    };
    plan.stats.finish(kind, started, seen, failure.as_deref());
    match failure {
        Some(reason) => user.set_failure(&reason, &mut goose.request, None, None),
        None => Ok(()),
    }
}

fn expect_status(answer: &Answer, expected: u16) -> Result<(), String> {
    if answer.status == expected { Ok(()) } else { Err(format!("status {}, expected {expected}", answer.status)) }
}

fn expect_public_cache_control(answer: &Answer) -> Result<(), String> {
    match answer.cache_control.as_deref() {
        Some(value) if value.starts_with("public, max-age=") => Ok(()),
        other => Err(format!("cache-control {other:?}, expected public, max-age=N")),
    }
}

fn expect_cache_answer(answer: &Answer, plan: &Plan, allowed: &[CacheAnswer]) -> Result<(), String> {
    if answer.cache == CacheAnswer::Absent && (plan.allow_missing_cache_header || answer.edge_hit) {
        return Ok(());
    }
    if allowed.contains(&answer.cache) {
        Ok(())
    } else {
        Err(format!("x-shortener-cache {:?}", answer.cache_raw.as_deref().unwrap_or("missing")))
    }
}

/// `GET /{id}` of a known link picked by popularity: the configured redirect status, `Location` = the link's
/// URL (for a link `edit` changes, a target the ledger allows), a public `Cache-Control`, and a cache answer that
/// is not "unknown". Its status (or that none was read) goes to the click ledger.
async fn redirect(user: &mut GooseUser, plan: &Plan) -> TransactionResult {
    let index = plan.popularity.rank(rand::rng().random());
    let link = &plan.links[index];
    let path = format!("/{}", link.id);
    let request = GooseRequest::builder()
        .path(path.as_str())
        .name("/{id} known")
        .expect_status_code(plan.redirect_status)
        .build();
    let sent = request_bytes(user, "GET", &path, 0);
    let mut answered = None;
    let result = exchange(user, plan, Kind::Redirect, request, sent, |answer, started| {
        answered = Some(answer.status);
        expect_status(answer, plan.redirect_status)?;
        let location = answer.location.as_deref().unwrap_or_default();
        match plan.edits.check(index, location, started, Instant::now()) {
            Some(judged) => judged.map_err(|e| e.to_string())?,
            None if location != link.url => return Err("Location is not the link's URL".into()),
            None => {}
        }
        expect_public_cache_control(answer)?;
        expect_cache_answer(answer, plan, &[CacheAnswer::Hit, CacheAnswer::Miss, CacheAnswer::Stale])
    })
    .await;
    plan.clicks.record(index, answered);
    result
}

/// `GET /{id}` of an ID no link has: `404`, a public `Cache-Control` (negative caching at the edge), a cache
/// answer of `negative` (remembered) or `miss` (the store was asked), and no second store read of one ID within
/// the negative TTL.
async fn miss(user: &mut GooseUser, plan: &Plan) -> TransactionResult {
    let index = rand::rng().random_range(0..plan.unknown.len());
    plan.stats.saw_unknown(index);
    let path = format!("/{}", plan.unknown[index]);
    let request = GooseRequest::builder().path(path.as_str()).name("/{id} unknown").expect_status_code(404).build();
    let sent = request_bytes(user, "GET", &path, 0);
    exchange(user, plan, Kind::Miss, request, sent, |answer, started| {
        expect_status(answer, 404)?;
        expect_public_cache_control(answer)?;
        expect_cache_answer(answer, plan, &[CacheAnswer::Negative, CacheAnswer::Miss])?;
        let spared = answer.cache != CacheAnswer::Miss
            || answer.edge_hit
            || plan.stats.unknown_read(index, started, Instant::now(), plan.negative_ttl, plan.resolver_instances);
        if spared { Ok(()) } else { Err("unknown ID read the store again within the negative TTL".into()) }
    })
    .await
}

/// `POST /shorten` of a fresh URL: `201`, a generated ID, `shortUrl` = public base + ID, `url` = the URL posted.
async fn create(user: &mut GooseUser, plan: &Plan) -> TransactionResult {
    let url = plan.targets.next(&mut rand::rng());
    let body = serde_json::json!({ "urlToShorten": url }).to_string();
    let sent = request_bytes(user, "POST", "/shorten", body.len());
    let builder = user
        .get_request_builder(&GooseMethod::Post, "/shorten")?
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    let request = GooseRequest::builder()
        .method(GooseMethod::Post)
        .path("/shorten")
        .name("/shorten")
        .expect_status_code(201)
        .set_request_builder(builder)
        .build();
    exchange(user, plan, Kind::Create, request, sent, |answer, _| {
        check_created(answer.status, &answer.body, &plan.public_base, &url).map(|_| ()).map_err(|e| e.to_string())
    })
    .await
}

/// `PATCH /api/links/{id}` of a hot link with its manage token, to a URL no link had: `200` with the link's JSON
/// and the new `url`. The acknowledgement's time goes to the ledger, which from then on (plus the propagation
/// bound) holds every click on the link to the new target. When every hot link already has an edit in flight,
/// the user clicks instead.
async fn edit(user: &mut GooseUser, plan: &Plan) -> TransactionResult {
    let target = Targets::Varied.next(&mut rand::rng());
    let draw = rand::rng().random_range(0..plan.edits.editable().max(1));
    let Some((index, ticket)) = plan.edits.begin(draw, &target) else { return redirect(user, plan).await };
    let link = &plan.links[index];
    let token = link.manage_token.as_deref().unwrap_or_default();
    let path = format!("/api/links/{}", link.id);
    let body = serde_json::json!({ "url": target }).to_string();
    let sent =
        request_bytes(user, "PATCH", &path, body.len()) + format!("authorization: Bearer {token}\r\n").len() as u64;
    let builder = user
        .get_request_builder(&GooseMethod::Patch, &path)?
        .header(reqwest::header::CONTENT_TYPE, "application/merge-patch+json")
        .bearer_auth(token)
        .body(body);
    let request = GooseRequest::builder()
        .method(GooseMethod::Patch)
        .path(path.as_str())
        .name("/api/links/{id} edit")
        .expect_status_code(200)
        .set_request_builder(builder)
        .build();
    exchange(user, plan, Kind::Edit, request, sent, |answer, _| {
        check_edited(answer.status, &answer.body, &link.id, &target).map_err(|e| e.to_string())?;
        ticket.acknowledge(Instant::now());
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_reads_its_weights_and_leaves_out_kinds_not_named() {
        assert_eq!("redirect=98, create=1,miss=1".parse(), Ok(Mix { redirect: 98, create: 1, miss: 1, edit: 0 }));
        assert_eq!("create=1".parse(), Ok(Mix { redirect: 0, create: 1, miss: 0, edit: 0 }));
        assert_eq!("redirect=97,edit=3".parse(), Ok(Mix { redirect: 97, create: 0, miss: 0, edit: 3 }));
        assert!("redirect=0".parse::<Mix>().is_err());
        assert!("reads=9".parse::<Mix>().is_err());
        assert!("redirect=x".parse::<Mix>().is_err());
    }

    #[test]
    fn draws_map_to_kinds_in_proportion() {
        let mix = Mix::default();
        let kinds: Vec<Kind> = (0..mix.total()).map(|d| mix.pick(d)).collect();
        assert_eq!(kinds.iter().filter(|&&k| k == Kind::Redirect).count(), 99);
        assert_eq!(kinds.iter().filter(|&&k| k == Kind::Create).count(), 1);
        let with_misses = Mix { redirect: 1, create: 1, miss: 2, edit: 1 };
        assert_eq!(
            (0..5).map(|d| with_misses.pick(d)).collect::<Vec<_>>(),
            [Kind::Redirect, Kind::Create, Kind::Miss, Kind::Miss, Kind::Edit]
        );
    }
}
