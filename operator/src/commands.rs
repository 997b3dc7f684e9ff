//! What each command does to the store, through the same ports and lifecycle rules the API uses, so an
//! operator's change is a new version of the link like an owner's edit.

use shortener_domain::{
    Actor, BlockedHost, ChangeError, DisableReason, HostBlock, Link, LinkState, ShortId,
    store::{HostBlocklist, LinkReader, LinkUpdater, LinksByHost, StoreError, UpdateError},
    to_millis,
};
use time::OffsetDateTime;

use crate::{
    Command,
    report::{BlockView, HostDisabled, LinkView, Report},
};

/// How many times a change is re-read and tried again when another writer changed the link in between.
const ATTEMPTS: u32 = 5;

/// Why a command did nothing (exit status 1).
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// No link has this ID.
    #[error("no link has the ID {0}")]
    NotFound(ShortId),
    /// The link's state does not allow the change (deleted, or enabling a link that is not disabled).
    #[error("link {id} was not changed: {source}")]
    Refused {
        /// The link.
        id: ShortId,
        /// What its state forbids.
        source: ChangeError,
    },
    /// Another writer changed the link every time this command tried; nothing was written.
    #[error(
        "link {0} kept changing while this command tried to change it ({ATTEMPTS} times); nothing was written: run it again"
    )]
    Conflict(ShortId),
    /// `unblock` of a host that has no block of its own.
    #[error("{0} is not blocked (only a block of exactly this host can be lifted; see `blocks`)")]
    NotBlocked(BlockedHost),
    /// `--store embedded` with a data folder that holds no store.
    #[error("no embedded store at {}: pass the local stack's --data-dir (or DATA_DIR), or --store dynamodb", .0.display())]
    NoEmbeddedStore(std::path::PathBuf),
    /// The embedded store is open in another process, which redb does not allow.
    #[error(
        "the embedded store {} is held by another process (a running local stack?): stop that process and run this \
         command again, or run the local stack with --store dynamodb so both can share the store",
        .0.display()
    )]
    EmbeddedStoreHeld(std::path::PathBuf),
    /// The store failed or refused the call.
    #[error("the store failed: {0}")]
    Store(#[from] StoreError),
}

/// Runs `command` against `store`.
pub async fn run<S>(store: &S, command: &Command) -> Result<Report, OperatorError>
where
    S: LinkReader + LinkUpdater + LinksByHost + HostBlocklist,
{
    let now = OffsetDateTime::now_utc();
    match command {
        Command::Show { id } => {
            let link = store.get(id).await?.ok_or_else(|| OperatorError::NotFound(id.clone()))?;
            Ok(Report::Link(view(store, &link, now).await?))
        }
        Command::Disable { id, reason, note } => {
            let link = change(store, id, |link| link.disabled(*reason, note.clone(), now).map(Some)).await?;
            Ok(Report::Link(view(store, &link, now).await?))
        }
        Command::Enable { id } => {
            let link = change(store, id, |link| link.enabled(now).map(Some)).await?;
            Ok(Report::Link(view(store, &link, now).await?))
        }
        Command::Delete { id } => {
            let link = change(store, id, |link| link.deleted(Actor::Operator, now).map(Some)).await?;
            Ok(Report::Link(view(store, &link, now).await?))
        }
        Command::Block { host, reason, disable_existing, note } => {
            let block = HostBlock { host: host.clone(), reason: *reason, created_at: to_millis(now) };
            store.block(&block).await?;
            let disabled = if *disable_existing {
                Some(disable_host(store, host, *reason, note.as_deref(), now).await?)
            } else {
                None
            };
            Ok(Report::Blocked { block: BlockView::of(&block), disabled })
        }
        Command::Unblock { host } => {
            if store.unblock(host).await? {
                Ok(Report::Unblocked { unblocked: host.to_string() })
            } else {
                Err(OperatorError::NotBlocked(host.clone()))
            }
        }
        Command::Blocks => Ok(Report::Blocks { blocks: store.list().await?.iter().map(BlockView::of).collect() }),
        Command::DisableHost { host, reason, note } => {
            Ok(Report::HostDisabled(disable_host(store, host, *reason, note.as_deref(), now).await?))
        }
    }
}

/// Applies `next` to the stored link and writes the result if the link is still at the version it was read at;
/// when another writer came first, reads again and retries, up to [`ATTEMPTS`] times. `next` answers `None`
/// when the link needs no change; then nothing is written and the stored link is returned.
async fn change<S, F>(store: &S, id: &ShortId, mut next: F) -> Result<Link, OperatorError>
where
    S: LinkReader + LinkUpdater,
    F: FnMut(&Link) -> Result<Option<Link>, ChangeError>,
{
    for _ in 0..ATTEMPTS {
        let current = store.get(id).await?.ok_or_else(|| OperatorError::NotFound(id.clone()))?;
        let Some(changed) = next(&current).map_err(|source| OperatorError::Refused { id: id.clone(), source })? else {
            return Ok(current);
        };
        match store.replace(&changed, current.version).await {
            Ok(()) => return Ok(changed),
            Err(UpdateError::Conflict) => {}
            Err(UpdateError::NotFound) => return Err(OperatorError::NotFound(id.clone())),
            Err(UpdateError::Store(error)) => return Err(error.into()),
        }
    }
    Err(OperatorError::Conflict(id.clone()))
}

/// Disables every active link to `host` or its subdomains. A link that is already disabled keeps its reason; one
/// that was deleted, or whose owner pointed it elsewhere, since it was found is left alone.
async fn disable_host<S>(
    store: &S,
    host: &BlockedHost,
    reason: DisableReason,
    note: Option<&str>,
    now: OffsetDateTime,
) -> Result<HostDisabled, OperatorError>
where
    S: LinkReader + LinkUpdater + LinksByHost,
{
    let mut report = HostDisabled { host: host.to_string(), reason: reason.as_str(), ..HostDisabled::default() };
    for found in store.links_to(host).await? {
        let mut was_active = false;
        let link = change(store, &found.id, |link| {
            let leads_there = link.url.as_ref().is_some_and(|url| host.covers(url.host()));
            was_active = link.state == LinkState::Active && leads_there;
            if was_active { link.disabled(reason, note.map(str::to_owned), now).map(Some) } else { Ok(None) }
        })
        .await;
        match link {
            Ok(link) if was_active => report.disabled.push(link.id.to_string()),
            Ok(link) if matches!(link.state, LinkState::Disabled { .. }) => {
                report.already_disabled.push(link.id.to_string());
            }
            Ok(_) | Err(OperatorError::NotFound(_) | OperatorError::Refused { .. }) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(report)
}

async fn view<S: HostBlocklist>(store: &S, link: &Link, now: OffsetDateTime) -> Result<LinkView, OperatorError> {
    let host_blocked = match &link.url {
        Some(url) => Some(store.is_blocked(url.host()).await?),
        None => None,
    };
    Ok(LinkView::of(link, host_blocked, now))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use shortener_domain::{
        LinkEdit,
        store::{LinkWriter, embedded::EmbeddedStore},
        testing::{embedded_store, link},
    };

    use super::*;

    /// Lets another writer edit the link just before each of the first `races` replaces, as an owner's edit
    /// racing the operator would.
    struct Racing {
        inner: EmbeddedStore,
        races: AtomicU32,
    }

    impl LinkReader for Racing {
        async fn get(&self, id: &ShortId) -> Result<Option<Link>, StoreError> {
            self.inner.get(id).await
        }
    }

    impl LinkUpdater for Racing {
        async fn replace(&self, link: &Link, expected_version: u64) -> Result<(), UpdateError> {
            if self.races.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1)).is_ok() {
                let stored = self.inner.get(&link.id).await?.ok_or(UpdateError::NotFound)?;
                let edited = stored.edited(&LinkEdit::default(), OffsetDateTime::now_utc()).expect("active");
                self.inner.replace(&edited, stored.version).await?;
            }
            self.inner.replace(link, expected_version).await
        }
    }

    async fn racing(races: u32) -> (Racing, ShortId, tempfile::TempDir) {
        let (inner, dir) = embedded_store();
        let created = link("race1", "https://example.com/", None);
        inner.put_new(&created).await.expect("put");
        (Racing { inner, races: AtomicU32::new(races) }, created.id, dir)
    }

    #[tokio::test]
    async fn a_change_that_loses_a_race_is_read_again_and_written_over_the_winner() {
        let (store, id, _dir) = racing(2).await;
        let now = OffsetDateTime::now_utc();
        let written = change(&store, &id, |link| link.disabled(DisableReason::Spam, None, now).map(Some)).await;
        let stored = store.inner.get(&id).await.expect("get").expect("stored");
        assert_eq!(written.expect("written on the third try"), stored);
        assert_eq!((stored.state, stored.version), (LinkState::Disabled { reason: DisableReason::Spam }, 3));
    }

    #[tokio::test]
    async fn a_change_that_keeps_losing_gives_up_without_writing() {
        let (store, id, _dir) = racing(ATTEMPTS).await;
        let now = OffsetDateTime::now_utc();
        let written = change(&store, &id, |link| link.disabled(DisableReason::Spam, None, now).map(Some)).await;
        assert!(matches!(written, Err(OperatorError::Conflict(_))), "{written:?}");
        let stored = store.inner.get(&id).await.expect("get").expect("stored");
        assert_eq!((stored.state, stored.version), (LinkState::Active, u64::from(ATTEMPTS)), "only the rival's edits");
    }
}
