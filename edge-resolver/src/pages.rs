//! The small HTML pages the resolver answers with when it cannot redirect. They are fixed, so they are built at
//! compile time and never formatted on a request.

use http::StatusCode;

/// A page with a title and one sentence (fixed strings of ours, so nothing needs escaping).
macro_rules! page {
    ($title:literal, $message:literal) => {
        concat!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<meta name=\"robots\" content=\"noindex\"><title>",
            $title,
            "</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem}",
            "@media(prefers-color-scheme:dark){body{background:#111;color:#eee}a{color:#8cf}}</style></head>",
            "<body><h1>",
            $title,
            "</h1><p>",
            $message,
            "</p><p><a href=\"/\">Shorten a link</a></p></body></html>\n"
        )
    };
}

/// The page for a status the resolver answers without redirecting.
pub(crate) fn for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => page!("Link not found", "There is no short link at this address. Check it for typos."),
        StatusCode::GONE => page!("Link expired", "This short link has expired and no longer leads anywhere."),
        StatusCode::METHOD_NOT_ALLOWED => page!("Method not allowed", "Short links answer only GET and HEAD."),
        StatusCode::SERVICE_UNAVAILABLE => {
            page!("Temporarily unavailable", "This link cannot be looked up right now. Please try again in a moment.")
        }
        _ => page!("Something went wrong", "This link cannot be followed right now."),
    }
}
