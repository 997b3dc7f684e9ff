//! What a command reports: one value per command, printed as text for a person or as JSON for a script. A
//! link's view never holds its manage token's hash, only whether it has one.

use std::fmt;

use serde::Serialize;
use shortener_domain::{HostBlock, Link, LinkState};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// The result of a command.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Report {
    /// `show`, and the link as written by `disable`, `enable` and `delete`.
    Link(LinkView),
    /// `block`, with the links it disabled when asked to.
    Blocked {
        /// The block as stored.
        block: BlockView,
        /// With `--disable-existing`: what that did.
        #[serde(skip_serializing_if = "Option::is_none")]
        disabled: Option<HostDisabled>,
    },
    /// `unblock`.
    Unblocked {
        /// The host whose block was lifted.
        unblocked: String,
    },
    /// `blocks`.
    Blocks {
        /// Every block, ordered by host.
        blocks: Vec<BlockView>,
    },
    /// `disable-host`.
    HostDisabled(HostDisabled),
}

/// A link as the operator sees it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkView {
    /// The ID.
    pub id: String,
    /// `active`, `disabled` or `deleted`.
    pub state: &'static str,
    /// While disabled: the reason category viewers are shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// While disabled: the operator's note, never shown to viewers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The target; absent once deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Whether a block covers the target's host; absent once deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_blocked: Option<bool>,
    /// Creation time, RFC 3339.
    pub created_at: String,
    /// Time of the last change, RFC 3339, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Expiry, RFC 3339, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Whether the expiry has passed.
    pub expired: bool,
    /// The version every change is conditional on.
    pub version: u64,
    /// Whether an owner holds a manage token for it (the token is not stored, and its hash is never shown).
    pub has_manage_token: bool,
}

/// A host block.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockView {
    /// The blocked host (its subdomains are blocked too).
    pub host: String,
    /// The reason category.
    pub reason: &'static str,
    /// When the block was made, RFC 3339.
    pub created_at: String,
}

/// What disabling the links to a host did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostDisabled {
    /// The host whose links (its subdomains' included) were looked for.
    pub host: String,
    /// The reason category given to the links disabled.
    pub reason: &'static str,
    /// The IDs this command disabled.
    pub disabled: Vec<String>,
    /// The IDs that were disabled already (their reason and note kept).
    pub already_disabled: Vec<String>,
}

impl LinkView {
    /// The view of `link` at `now`; `host_blocked` as the blocklist answered for its target's host.
    pub fn of(link: &Link, host_blocked: Option<bool>, now: OffsetDateTime) -> Self {
        let (state, reason) = match link.state {
            LinkState::Active => ("active", None),
            LinkState::Deleted => ("deleted", None),
            LinkState::Disabled { reason } => ("disabled", Some(reason.as_str())),
        };
        Self {
            id: link.id.to_string(),
            state,
            reason,
            note: link.disabled_note.clone(),
            url: link.url.as_ref().map(|url| url.as_str().to_owned()),
            host_blocked,
            created_at: timestamp(link.created_at),
            updated_at: link.updated_at.map(timestamp),
            expires_at: link.expires_at.map(timestamp),
            expired: link.is_expired_at(now),
            version: link.version,
            has_manage_token: link.token_hash.is_some(),
        }
    }
}

impl BlockView {
    /// The view of `block`.
    pub fn of(block: &HostBlock) -> Self {
        Self { host: block.host.to_string(), reason: block.reason.as_str(), created_at: timestamp(block.created_at) }
    }
}

fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Link(link) => link.fmt(f),
            Self::Blocked { block, disabled } => {
                writeln!(f, "blocked {} ({}) and its subdomains", block.host, block.reason)?;
                disabled.as_ref().map_or(Ok(()), |disabled| disabled.fmt(f))
            }
            Self::Unblocked { unblocked } => writeln!(f, "unblocked {unblocked}"),
            Self::Blocks { blocks } if blocks.is_empty() => writeln!(f, "no blocked hosts"),
            Self::Blocks { blocks } => {
                let width = blocks.iter().map(|block| block.host.len()).max().unwrap_or(0);
                for block in blocks {
                    writeln!(f, "{:width$}  {:8}  since {}", block.host, block.reason, block.created_at)?;
                }
                Ok(())
            }
            Self::HostDisabled(disabled) => disabled.fmt(f),
        }
    }
}

impl fmt::Display for LinkView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "id         {}", self.id)?;
        match self.reason {
            Some(reason) => writeln!(f, "state      {} ({reason})", self.state)?,
            None => writeln!(f, "state      {}", self.state)?,
        }
        if let Some(note) = &self.note {
            writeln!(f, "note       {note}")?;
        }
        if let Some(url) = &self.url {
            writeln!(f, "target     {url}")?;
        }
        if let Some(blocked) = self.host_blocked {
            writeln!(f, "host       {}", if blocked { "blocked" } else { "not blocked" })?;
        }
        writeln!(f, "created    {}", self.created_at)?;
        if let Some(updated) = &self.updated_at {
            writeln!(f, "updated    {updated}")?;
        }
        match (&self.expires_at, self.expired) {
            (Some(expires), true) => writeln!(f, "expired    {expires}")?,
            (Some(expires), false) => writeln!(f, "expires    {expires}")?,
            (None, _) => writeln!(f, "expires    never")?,
        }
        writeln!(f, "version    {}", self.version)?;
        writeln!(f, "owner      {}", if self.has_manage_token { "has a manage token" } else { "no manage token" })
    }
}

impl fmt::Display for HostDisabled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "disabled {} link(s) to {} and its subdomains ({}){}",
            self.disabled.len(),
            self.host,
            self.reason,
            if self.disabled.is_empty() { String::new() } else { format!(": {}", self.disabled.join(" ")) }
        )?;
        if !self.already_disabled.is_empty() {
            writeln!(f, "already disabled: {}", self.already_disabled.join(" "))?;
        }
        Ok(())
    }
}
