//! The operator's tool as an operator runs it: the real binary, against a redb file and against DynamoDB Local,
//! on links created through the store ports and read back through them.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use std::process::Output;

use serde_json::Value;
use shortener_domain::{
    DisableReason, Link, LinkState, ShortId,
    store::{
        HostBlocklist, LinkReader, LinkUpdater, LinkWriter, PutError,
        dynamodb::{DynamoSettings, DynamoStore},
        embedded::EmbeddedStore,
    },
    testing::{fresh_dynamo_settings, link, owned_link},
};

/// Where the tool's store lives for one test.
enum Backend {
    /// A data folder holding `links.redb`; the file is opened only between runs of the binary, as redb allows
    /// one process at a time.
    Embedded(tempfile::TempDir),
    /// A fresh table on DynamoDB Local.
    Dynamo(DynamoSettings),
}

impl Backend {
    async fn embedded() -> Self {
        let dir = tempfile::tempdir().unwrap();
        drop(EmbeddedStore::open(&dir.path().join("links.redb")).unwrap());
        Self::Embedded(dir)
    }

    async fn dynamo() -> Self {
        let settings = fresh_dynamo_settings();
        DynamoStore::connect(&settings).await.create_table_if_missing().await.unwrap();
        Self::Dynamo(settings)
    }

    /// Runs `f` on a freshly opened store, closed again before it returns.
    async fn with_store<T>(&self, f: impl AsyncFnOnce(&dyn Ports) -> T) -> T {
        match self {
            Self::Embedded(dir) => {
                let store = EmbeddedStore::open(&dir.path().join("links.redb")).unwrap();
                f(&store).await
            }
            Self::Dynamo(settings) => f(&DynamoStore::connect(settings).await).await,
        }
    }

    async fn put(&self, link: &Link) {
        self.with_store(async |store| store.put(link).await).await;
    }

    async fn get(&self, id: &str) -> Link {
        let id = ShortId::parse(id).unwrap();
        self.with_store(async |store| store.read(&id).await).await.expect("the link is still stored")
    }

    async fn is_blocked(&self, host: &str) -> bool {
        self.with_store(async |store| store.blocked(host).await).await
    }

    /// Runs the binary with this store's settings and `args`, in a clean environment.
    async fn run(&self, args: &[&str]) -> Output {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_shortener-operator"));
        for var in ["STORE", "DATA_DIR", "TABLE_NAME", "DYNAMODB_ENDPOINT"] {
            command.env_remove(var);
        }
        match self {
            Self::Embedded(dir) => command.arg("--data-dir").arg(dir.path()),
            Self::Dynamo(settings) => command.args([
                "--store",
                "dynamodb",
                "--table-name",
                &settings.table_name,
                "--dynamodb-endpoint",
                settings.endpoint.as_deref().unwrap(),
            ]),
        };
        command.args(args).output().await.unwrap()
    }
}

/// The store calls these tests make, over both adapters (object-safe, unlike the ports themselves).
trait Ports {
    fn put<'a>(&'a self, link: &'a Link) -> std::pin::Pin<Box<dyn Future<Output = ()> + 'a>>;
    fn read<'a>(&'a self, id: &'a ShortId) -> std::pin::Pin<Box<dyn Future<Output = Option<Link>> + 'a>>;
    fn blocked<'a>(&'a self, host: &'a str) -> std::pin::Pin<Box<dyn Future<Output = bool> + 'a>>;
    fn put_again<'a>(&'a self, link: &'a Link) -> std::pin::Pin<Box<dyn Future<Output = Result<(), PutError>> + 'a>>;
}

impl<S: LinkReader + LinkWriter + LinkUpdater + HostBlocklist> Ports for S {
    fn put<'a>(&'a self, link: &'a Link) -> std::pin::Pin<Box<dyn Future<Output = ()> + 'a>> {
        Box::pin(async move { self.put_new(link).await.unwrap() })
    }

    fn read<'a>(&'a self, id: &'a ShortId) -> std::pin::Pin<Box<dyn Future<Output = Option<Link>> + 'a>> {
        Box::pin(async move { self.get(id).await.unwrap() })
    }

    fn blocked<'a>(&'a self, host: &'a str) -> std::pin::Pin<Box<dyn Future<Output = bool> + 'a>> {
        Box::pin(async move { self.is_blocked(host).await.unwrap() })
    }

    fn put_again<'a>(&'a self, link: &'a Link) -> std::pin::Pin<Box<dyn Future<Output = Result<(), PutError>> + 'a>> {
        Box::pin(self.put_new(link))
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

fn succeeded(output: &Output) -> &Output {
    assert_eq!(output.status.code(), Some(0), "stdout: {}\nstderr: {}", stdout(output), stderr(output));
    output
}

fn failed_with(output: &Output, code: i32, message: &str) {
    assert_eq!(output.status.code(), Some(code), "stdout: {}\nstderr: {}", stdout(output), stderr(output));
    assert!(stderr(output).contains(message), "expected {message:?} in: {}", stderr(output));
}

async fn show_disable_enable_and_delete_round_trip(backend: Backend) {
    let (created, _token) = owned_link("report1", "https://phish.example/login");
    backend.put(&created).await;
    let hash = created.token_hash.unwrap().to_hex();

    let shown = succeeded(&backend.run(&["show", "report1"]).await).clone();
    let text = stdout(&shown);
    assert!(text.contains("https://phish.example/login") && text.contains("active"), "{text}");
    let shown = json(succeeded(&backend.run(&["show", "report1", "--json"]).await));
    assert_eq!(
        (&shown["id"], &shown["state"], &shown["version"]),
        (&Value::from("report1"), &"active".into(), &0.into())
    );
    assert_eq!(shown["hasManageToken"], true);

    succeeded(&backend.run(&["disable", "report1", "--reason", "phishing", "--note", "ticket 7"]).await);
    let disabled = backend.get("report1").await;
    assert_eq!(disabled.state, LinkState::Disabled { reason: DisableReason::Phishing });
    assert_eq!((disabled.disabled_note.as_deref(), disabled.version), (Some("ticket 7"), 1));
    assert_eq!(disabled.url, created.url, "the target is kept so the link can be enabled again");
    let text = stdout(succeeded(&backend.run(&["show", "report1"]).await));
    assert!(text.contains("disabled (phishing)") && text.contains("ticket 7"), "{text}");

    succeeded(&backend.run(&["enable", "report1"]).await);
    let enabled = backend.get("report1").await;
    assert_eq!((enabled.state, enabled.disabled_note, enabled.version), (LinkState::Active, None, 2));
    failed_with(&backend.run(&["enable", "report1"]).await, 1, "not disabled");
    assert_eq!(backend.get("report1").await.version, 2, "a refused change writes nothing");

    let deleted = json(succeeded(&backend.run(&["--json", "delete", "report1"]).await));
    assert_eq!(deleted["state"], "deleted");
    let stored = backend.get("report1").await;
    assert_eq!((stored.state, stored.url, stored.version), (LinkState::Deleted, None, 3));
    failed_with(&backend.run(&["delete", "report1"]).await, 1, "deleted");
    failed_with(&backend.run(&["disable", "report1", "--reason", "spam"]).await, 1, "deleted");

    let reuse = link("report1", "https://other.example/", None);
    let again = backend.with_store(async |store| store.put_again(&reuse).await).await;
    assert!(matches!(again, Err(PutError::Taken)), "a deleted ID stays reserved: {again:?}");

    for output in [&backend.run(&["show", "report1"]).await, &backend.run(&["show", "report1", "--json"]).await] {
        assert!(!stdout(output).to_lowercase().contains(&hash), "show must never print the token hash");
    }
}

async fn show_never_prints_the_token_hash(backend: Backend) {
    let (created, token) = owned_link("owned1", "https://example.com/");
    backend.put(&created).await;
    let hash = created.token_hash.unwrap().to_hex();
    for args in [&["show", "owned1"][..], &["show", "owned1", "--json"], &["disable", "owned1", "--reason", "other"]] {
        let output = backend.run(args).await;
        let all = format!("{}{}", stdout(succeeded(&output)), stderr(&output));
        assert!(!all.to_lowercase().contains(&hash), "{args:?} printed the token hash: {all}");
        assert!(!all.contains(token.reveal()), "{args:?} printed the token");
        assert!(!all.to_lowercase().contains("tokenhash"), "{args:?}: {all}");
    }
}

async fn an_unknown_id_is_not_found(backend: Backend) {
    failed_with(&backend.run(&["show", "nosuch1"]).await, 1, "no link has the ID nosuch1");
    failed_with(&backend.run(&["disable", "nosuch1", "--reason", "spam"]).await, 1, "no link has the ID nosuch1");
    failed_with(&backend.run(&["delete", "nosuch1"]).await, 1, "no link has the ID nosuch1");
}

async fn disable_host_covers_subdomains_and_leaves_other_hosts(backend: Backend) {
    let covered = [
        ("evil1", "https://evil.example/a"),
        ("evil2", "https://a.evil.example/"),
        ("evil3", "http://x.y.EVIL.example:8080/"),
    ];
    let free =
        [("free1", "https://notevil.example/"), ("free2", "https://evil.example.com/"), ("free3", "https://example/")];
    for (id, url) in covered.iter().chain(&free) {
        backend.put(&link(id, url, None)).await;
    }
    let earlier = link("evil4", "https://evil.example/b", None)
        .disabled(DisableReason::Spam, None, time::OffsetDateTime::now_utc())
        .unwrap();
    backend.put(&earlier).await;

    let report = json(succeeded(
        &backend.run(&["disable-host", "evil.example", "--reason", "malware", "--note", "abuse #9", "--json"]).await,
    ));
    let mut disabled: Vec<&str> =
        report["disabled"].as_array().unwrap().iter().map(|id| id.as_str().unwrap()).collect();
    disabled.sort_unstable();
    assert_eq!(disabled, ["evil1", "evil2", "evil3"], "{report}");
    assert_eq!(report["alreadyDisabled"], serde_json::json!(["evil4"]));

    for (id, _) in covered {
        let stored = backend.get(id).await;
        assert_eq!(stored.state, LinkState::Disabled { reason: DisableReason::Malware }, "{id}");
        assert_eq!(stored.disabled_note.as_deref(), Some("abuse #9"), "{id}");
    }
    for (id, _) in free {
        assert_eq!(backend.get(id).await.state, LinkState::Active, "{id} leads elsewhere");
    }
    let kept = backend.get("evil4").await;
    assert_eq!((kept.state, kept.version), (LinkState::Disabled { reason: DisableReason::Spam }, 1), "kept as it was");
}

async fn a_block_covers_subdomains_until_it_is_lifted(backend: Backend) {
    backend.put(&link("bad1", "https://shop.evil.example/", None)).await;
    backend.put(&link("good1", "https://good.example/", None)).await;
    let blocked = json(succeeded(
        &backend.run(&["block", "https://Evil.Example./login", "--reason", "phishing", "--json"]).await,
    ));
    assert_eq!((&blocked["block"]["host"], &blocked["block"]["reason"]), (&"evil.example".into(), &"phishing".into()));
    for host in ["evil.example", "a.evil.example", "x.y.evil.example"] {
        assert!(backend.is_blocked(host).await, "{host}");
    }
    for host in ["notevil.example", "evil.example.com", "good.example"] {
        assert!(!backend.is_blocked(host).await, "{host}");
    }
    assert_eq!(backend.get("bad1").await.state, LinkState::Active, "a plain block leaves existing links alone");
    let text = stdout(succeeded(&backend.run(&["show", "bad1"]).await));
    assert!(text.contains("host       blocked"), "{text}");

    let listed = json(succeeded(&backend.run(&["blocks", "--json"]).await));
    assert_eq!(listed["blocks"].as_array().map(|b| b.len()), Some(1), "{listed}");
    assert_eq!(listed["blocks"][0]["host"], "evil.example");

    succeeded(
        &backend.run(&["block", "evil.example", "--reason", "malware", "--disable-existing", "--note", "again"]).await,
    );
    assert_eq!(backend.get("bad1").await.state, LinkState::Disabled { reason: DisableReason::Malware });
    assert_eq!(backend.get("good1").await.state, LinkState::Active);

    failed_with(&backend.run(&["unblock", "shop.evil.example"]).await, 1, "shop.evil.example is not blocked");
    assert!(backend.is_blocked("shop.evil.example").await, "the parent's block stays");
    succeeded(&backend.run(&["unblock", "evil.example"]).await);
    assert!(!backend.is_blocked("shop.evil.example").await);
    assert_eq!(stdout(succeeded(&backend.run(&["blocks"]).await)), "no blocked hosts\n");
}

async fn bad_input_is_a_usage_error_that_changes_nothing(backend: Backend) {
    backend.put(&link("keep1", "https://example.com/", None)).await;
    failed_with(&backend.run(&["disable", "keep1", "--reason", "ugly"]).await, 2, "invalid value 'ugly'");
    failed_with(&backend.run(&["disable", "keep1"]).await, 2, "--reason");
    failed_with(&backend.run(&["disable", "kéép", "--reason", "spam"]).await, 2, "invalid value 'kéép'");
    failed_with(&backend.run(&["show", "a/b"]).await, 2, "invalid value 'a/b'");
    failed_with(&backend.run(&["block", "evil example", "--reason", "spam"]).await, 2, "not a host name");
    failed_with(&backend.run(&["disable-host", "a..b", "--reason", "spam"]).await, 2, "not a host name");
    failed_with(
        &backend.run(&["block", "evil.example", "--reason", "spam", "--note", "x"]).await,
        2,
        "--disable-existing",
    );
    let kept = backend.get("keep1").await;
    assert_eq!((kept.state, kept.version), (LinkState::Active, 0));
    assert!(!backend.is_blocked("evil.example").await);
    assert!(!backend.is_blocked("b").await);
}

macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        mod embedded {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::Backend::embedded().await).await;
            })*
        }
        mod dynamodb {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::Backend::dynamo().await).await;
            })*
        }
    };
}

on_both_stores!(
    show_disable_enable_and_delete_round_trip,
    show_never_prints_the_token_hash,
    an_unknown_id_is_not_found,
    disable_host_covers_subdomains_and_leaves_other_hosts,
    a_block_covers_subdomains_until_it_is_lifted,
    bad_input_is_a_usage_error_that_changes_nothing,
);

#[tokio::test]
async fn an_embedded_store_held_by_the_local_stack_is_refused_with_what_to_do() {
    let backend = Backend::embedded().await;
    backend.put(&link("held1", "https://example.com/", None)).await;
    let Backend::Embedded(dir) = &backend else { unreachable!() };
    let held = EmbeddedStore::open(&dir.path().join("links.redb")).unwrap();
    failed_with(&backend.run(&["disable", "held1", "--reason", "spam"]).await, 1, "held by another process");
    drop(held);
    assert_eq!(backend.get("held1").await.state, LinkState::Active);
}

#[tokio::test]
async fn a_missing_data_folder_is_not_mistaken_for_an_empty_store() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::Embedded(dir);
    failed_with(&backend.run(&["show", "abc1234"]).await, 1, "no embedded store at");
}
