//! The owner's view of a link's clicks: `GET /api/links/{id}/stats` with the link's manage token answers the
//! counts the edge's access logs gave ([`ClickCounts::stats`]) for the last [`STATS_DAYS`] days, and how fresh
//! they are. Counts are the owner's business, not the public's (the link's JSON is public), so they take the same
//! token as a change.

use std::{fmt, future::Future, pin::Pin};

use http::{HeaderMap, Response, StatusCode};
use shortener_domain::{
    LinkState, ShortId,
    clicks::{ClickStats, STATS_DAYS},
    store::{ClickCounts, StoreError},
};
use time::{Date, OffsetDateTime};

use crate::{Api, ApiError, ApiStore, json};

/// The reading half of [`ClickCounts`], as an object, so one [`Api`] type takes counts from whichever store keeps
/// them, or none.
pub(crate) trait StatsReader: Send + Sync + fmt::Debug {
    /// [`ClickCounts::stats`] of `id` over the [`STATS_DAYS`] days ending with `today`.
    fn stats<'a>(
        &'a self,
        id: &'a ShortId,
        today: Date,
    ) -> Pin<Box<dyn Future<Output = Result<ClickStats, StoreError>> + Send + 'a>>;
}

impl<C: ClickCounts + fmt::Debug> StatsReader for C {
    fn stats<'a>(
        &'a self,
        id: &'a ShortId,
        today: Date,
    ) -> Pin<Box<dyn Future<Output = Result<ClickStats, StoreError>> + Send + 'a>> {
        Box::pin(ClickCounts::stats(self, id, today, STATS_DAYS))
    }
}

impl<S: ApiStore> Api<S> {
    /// This API, reading click counts from `counts`; without it, `GET /api/links/{id}/stats` answers 501 to the
    /// link's owner.
    #[must_use]
    pub fn with_click_counts(self, counts: impl ClickCounts + fmt::Debug + 'static) -> Self {
        Self { clicks: Some(Box::new(counts)), ..self }
    }

    /// `GET /api/links/{id}/stats`: 200 with the link's [`ClickStats`], to whoever holds its manage token. An
    /// unknown or deleted link is 404 and a wrong token 401, as for a change; a link the operator disabled is 403,
    /// since whoever made a phishing link would like to know how well it did.
    pub(crate) async fn link_stats(&self, raw_id: &str, headers: &HeaderMap) -> Result<Response<String>, ApiError> {
        let link = self.owned_link(raw_id, headers).await?;
        if matches!(link.state, LinkState::Disabled { .. }) {
            return Err(ApiError::Disabled);
        }
        let clicks = self.clicks.as_ref().ok_or(ApiError::NotCounted)?;
        let stats = clicks.stats(&link.id, OffsetDateTime::now_utc().date()).await?;
        Ok(json(StatusCode::OK, &stats))
    }
}
