//! The HTML the resolver answers with when it does not redirect: fixed pages, built at compile time and never
//! formatted on a request, and the preview of a link, the one page that carries stored data (escaped here).

use http::StatusCode;
use shortener_domain::{DisableReason, Link, TargetUrl};
use time::{OffsetDateTime, format_description::BorrowedFormatItem, macros::format_description};

/// The start of every page up to its title: no script, no external resource, `noindex` for robots.
macro_rules! head {
    () => {
        concat!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<meta name=\"robots\" content=\"noindex\"><style>",
            "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem}",
            "code{word-break:break-all}",
            "@media(prefers-color-scheme:dark){body{background:#111;color:#eee}a{color:#8cf}}</style><title>"
        )
    };
}

/// A page with a title and one sentence (fixed strings of ours, so nothing needs escaping).
macro_rules! page {
    ($title:literal, $message:expr) => {
        concat!(
            head!(),
            $title,
            "</title></head><body><h1>",
            $title,
            "</h1><p>",
            $message,
            "</p><p><a href=\"/\">Shorten a link</a></p></body></html>\n"
        )
    };
}

/// A fixed page the resolver answers with, and its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Page {
    /// 404: no link has this ID, or the ID is malformed.
    NotFound,
    /// 410: the link has expired.
    Expired,
    /// 410: the link was deleted.
    Deleted,
    /// 410: the operator took the link down; the page names the category, never the operator's note.
    Disabled(DisableReason),
    /// 405: a method other than GET and HEAD.
    MethodNotAllowed,
    /// 503: the store cannot be reached and nothing is cached.
    Unavailable,
    /// 500: anything else that keeps the resolver from answering.
    Failed,
}

impl Page {
    /// The status the page is sent with.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            // A removed or disabled link answers 404, not 410: CloudFront always keeps a 404 (as long as its
            // `s-maxage` says) but is not documented to keep a 410, and clicks on a link taken down for phishing
            // must stop at the edge instead of waking a function each.
            Self::NotFound | Self::Deleted | Self::Disabled(_) => StatusCode::NOT_FOUND,
            Self::Expired => StatusCode::GONE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Failed => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The page itself.
    pub(crate) fn html(self) -> &'static str {
        match self {
            Self::NotFound => page!("Link not found", "There is no short link at this address. Check it for typos."),
            Self::Expired => page!("Link expired", "This short link has expired and no longer leads anywhere."),
            Self::Deleted => page!("Link removed", "This short link was removed and no longer leads anywhere."),
            Self::Disabled(reason) => disabled(reason),
            Self::MethodNotAllowed => page!("Method not allowed", "Short links answer only GET and HEAD."),
            Self::Unavailable => {
                page!(
                    "Temporarily unavailable",
                    "This link cannot be looked up right now. Please try again in a moment."
                )
            }
            Self::Failed => page!("Something went wrong", "This link cannot be followed right now."),
        }
    }
}

/// The page of a link taken down for `reason`.
fn disabled(reason: DisableReason) -> &'static str {
    macro_rules! disabled {
        ($category:literal, $why:literal) => {
            page!(
                "Link disabled",
                concat!(
                    "This short link was disabled by the operator of this service. Reason: <strong>",
                    $category,
                    "</strong> (",
                    $why,
                    ")."
                )
            )
        };
    }
    match reason {
        DisableReason::Phishing => {
            disabled!("phishing", "it led to a page that imitates another to steal credentials or money")
        }
        DisableReason::Malware => disabled!("malware", "it led to malicious software"),
        DisableReason::Spam => disabled!("spam", "it was spread as unsolicited bulk messages"),
        DisableReason::Illegal => disabled!("illegal", "it led to content that is unlawful to host or link to"),
        DisableReason::Other => disabled!("other", "it breached the terms of use"),
    }
}

/// How the preview shows a date.
const DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

/// The preview of `link`, which leads to `url`: where it goes, its host on its own line, when it was made and
/// when it expires, and a link to continue. Everything taken from the store is escaped.
pub(crate) fn preview(link: &Link, url: &TargetUrl) -> String {
    let mut html = String::with_capacity(1024 + 2 * url.as_str().len());
    html.push_str(concat!(head!(), "Where this link leads</title></head><body><h1>This short link leads to</h1>"));
    html.push_str("<p><strong id=\"host\">");
    escape(url.host(), &mut html);
    html.push_str("</strong></p><p><code id=\"url\">");
    escape(url.as_str(), &mut html);
    html.push_str("</code></p><dl><dt>Created</dt><dd>");
    push_date(link.created_at, &mut html);
    html.push_str("</dd><dt>Expires</dt><dd>");
    match link.expires_at {
        Some(at) => push_date(at, &mut html),
        None => html.push_str("Never"),
    }
    html.push_str("</dd></dl><p><a id=\"continue\" rel=\"nofollow noopener\" href=\"");
    escape(url.as_str(), &mut html);
    html.push_str("\">Continue to ");
    escape(url.host(), &mut html);
    html.push_str("</a></p></body></html>\n");
    html
}

fn push_date(at: OffsetDateTime, html: &mut String) {
    match at.to_offset(time::UtcOffset::UTC).format(DATE) {
        Ok(date) => html.push_str(&date),
        Err(_) => html.push_str("unknown"),
    }
}

/// Appends `text` to `html` with every character that could end an element or an attribute value escaped.
fn escape(text: &str, html: &mut String) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            _ => html.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_character_that_ends_an_element_or_an_attribute() {
        let mut html = String::new();
        escape("a&b<c>d\"e'f", &mut html);
        assert_eq!(html, "a&amp;b&lt;c&gt;d&quot;e&#39;f");
    }

    #[test]
    fn every_disabled_page_names_its_category() {
        for reason in DisableReason::ALL {
            let html = Page::Disabled(reason).html();
            assert!(html.contains(&format!("<strong>{reason}</strong>")), "{reason}: {html}");
            assert_eq!(Page::Disabled(reason).status(), StatusCode::NOT_FOUND, "kept at the edge like a 404");
        }
    }
}
