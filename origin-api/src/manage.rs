//! The owner's changes to a link, without an account: `PATCH` and `DELETE /api/links/{id}`, allowed to whoever
//! presents the link's manage token as `Authorization: Bearer <token>`.
//!
//! Every change is a conditional write on the version it was read at, so two concurrent changes never both
//! land: the one that loses gets 409 Conflict (not 412: the client sent no precondition of its own, the
//! server's own read-then-write lost a race, and the fix is to reload and retry).

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode, header};
use serde::Deserialize;
use serde_json::Value;
use shortener_domain::{Actor, Link, LinkEdit, LinkState, ManageToken, ShortId, UrlError, parse_expiry};
use time::OffsetDateTime;

use crate::{Api, ApiError, ApiStore, json, json_object};

impl<S: ApiStore> Api<S> {
    /// `PATCH /api/links/{id}`: applies a JSON merge patch of `url` and `expiresAt`; 200 with the link.
    pub(crate) async fn patch_link(
        &self,
        raw_id: &str,
        request: &Request<Bytes>,
    ) -> Result<Response<String>, ApiError> {
        let link = self.owned_link(raw_id, request.headers()).await?;
        let edit = self.read_patch(json_object(request)?).await?;
        let now = OffsetDateTime::now_utc();
        let next = link.edited(&edit, now)?;
        if edit == LinkEdit::default() {
            return self.link_response(&link);
        }
        self.store.replace(&next, link.version).await?;
        tracing::info!(short_id = %next.id, version = next.version, "link edited");
        self.link_response(&next)
    }

    /// `DELETE /api/links/{id}`: 204; the link stops redirecting and its ID is never handed out again.
    pub(crate) async fn delete_link(&self, raw_id: &str, headers: &HeaderMap) -> Result<Response<String>, ApiError> {
        let link = self.owned_link(raw_id, headers).await?;
        let next = link.deleted(Actor::Owner, OffsetDateTime::now_utc())?;
        self.store.replace(&next, link.version).await?;
        tracing::info!(short_id = %next.id, version = next.version, "link deleted");
        let mut response = Response::new(String::new());
        *response.status_mut() = StatusCode::NO_CONTENT;
        response.headers_mut().insert(header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
        Ok(response)
    }

    /// The link `raw_id` if `headers` carry its manage token. An unknown or deleted link is 404 whatever the
    /// token; a missing, malformed or wrong token is the same 401.
    pub(crate) async fn owned_link(&self, raw_id: &str, headers: &HeaderMap) -> Result<Link, ApiError> {
        let id = ShortId::parse(raw_id).map_err(|_| ApiError::NotFound)?;
        let token = bearer_token(headers);
        let link = self.store.get(&id).await?.ok_or(ApiError::NotFound)?;
        if link.state == LinkState::Deleted {
            return Err(ApiError::NotFound);
        }
        match token {
            Some(token) if link.is_managed_by(&token) => Ok(link),
            _ => Err(ApiError::Unauthorized),
        }
    }

    /// The edit a merge patch asks for: `url` a new target (the rules of creation), `expiresAt` a future time or
    /// `null` to clear it.
    async fn read_patch(&self, patch: LinkPatch) -> Result<LinkEdit, ApiError> {
        let url = match patch.url {
            None => None,
            Some(Value::String(raw)) => Some(self.target(&raw).await.map_err(|e| e.in_field("url"))?),
            Some(Value::Null) => return Err(ApiError::InvalidUrl(UrlError::Empty).in_field("url")),
            Some(_) => return Err(ApiError::BadRequest("url must be a string".to_owned())),
        };
        let expires_at = match patch.expires_at {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(raw)) => Some(Some(parse_expiry(&raw, OffsetDateTime::now_utc())?)),
            Some(_) => return Err(ApiError::BadRequest("expiresAt must be a string or null".to_owned())),
        };
        Ok(LinkEdit { url, expires_at })
    }

    fn link_response(&self, link: &Link) -> Result<Response<String>, ApiError> {
        Ok(json(StatusCode::OK, &self.view(link).ok_or(ApiError::NotFound)?))
    }
}

/// The body of `PATCH /api/links/{id}`, a JSON merge patch: an absent member is `None`, a `null` one
/// `Some(Value::Null)`. Other members are refused rather than ignored, so that a typo is not a silent no-op.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LinkPatch {
    #[serde(default, deserialize_with = "present")]
    url: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    expires_at: Option<Value>,
}

/// A member that is present, `null` included.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// The token of `Authorization: Bearer <token>` (the scheme in any case), if it is well-formed.
fn bearer_token(headers: &HeaderMap) -> Option<ManageToken> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    ManageToken::parse(token.trim()).ok()
}
