//! The small HTML pages the resolver answers with when it cannot redirect.

/// A page with a title and one sentence; both are fixed strings of ours, so nothing needs escaping.
pub(crate) fn page(title: &str, message: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem}}\
         @media(prefers-color-scheme:dark){{body{{background:#111;color:#eee}}a{{color:#8cf}}}}</style></head>\
         <body><h1>{title}</h1><p>{message}</p><p><a href=\"/\">Shorten a link</a></p></body></html>\n"
    )
}
