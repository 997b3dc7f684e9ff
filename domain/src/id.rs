//! Short IDs: the generated ones and the aliases people choose share one type that cannot hold a bad value.

use std::{borrow::Borrow, fmt};

use crate::paths;

/// Alphabet of generated IDs: base62, so IDs survive being typed, pasted and read aloud in any URL context.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A short ID: `[A-Za-z0-9_-]{3,64}` and never a path the path table gives to the site or the API.
///
/// IDs are case-sensitive. Generated IDs are [`ShortId::GENERATED_LEN`] base62 characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShortId(String);

/// Why a string is not a valid short ID or alias.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Shorter than 3 or longer than 64 characters.
    #[error("must be between {min} and {max} characters long", min = ShortId::MIN_LEN, max = ShortId::MAX_LEN)]
    Length,
    /// A character outside `A-Z a-z 0-9 _ -`.
    #[error("may contain only letters, digits, '_' and '-'")]
    Character,
    /// A name the site or the API owns, such as `api` or `assets`.
    #[error("is reserved")]
    Reserved,
}

impl ShortId {
    /// Shortest accepted alias.
    pub const MIN_LEN: usize = 3;
    /// Longest accepted alias.
    pub const MAX_LEN: usize = 64;
    /// Length of a generated ID: 62^7 ≈ 3.5 × 10^12 IDs.
    pub const GENERATED_LEN: usize = 7;

    /// Parses an ID taken from a path or an alias taken from a request.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        Self::check(raw)?;
        Ok(Self(raw.to_owned()))
    }

    /// Whether `raw` would parse, without making an ID of it: `raw` may then stand for the ID where a `&str` does
    /// (a cache keyed by `ShortId` looks up a `&str`, see the `Borrow` below).
    pub fn check(raw: &str) -> Result<(), IdError> {
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&raw.len()) {
            return Err(IdError::Length);
        }
        if !raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return Err(IdError::Character);
        }
        if paths::is_reserved_name(raw) {
            return Err(IdError::Reserved);
        }
        Ok(())
    }

    /// Draws a fresh ID of [`ShortId::GENERATED_LEN`] base62 characters from the operating system's CSPRNG.
    ///
    /// Rejection sampling keeps every character uniformly distributed; reserved names are redrawn.
    pub fn generate() -> Result<Self, getrandom::Error> {
        loop {
            let mut id = String::with_capacity(Self::GENERATED_LEN);
            let mut buf = [0u8; 16];
            while id.len() < Self::GENERATED_LEN {
                getrandom::fill(&mut buf)?;
                for &byte in &buf {
                    // 248 = 4 × 62: bytes at or above it would favour the first characters.
                    if byte < 248 && id.len() < Self::GENERATED_LEN {
                        id.push(char::from(BASE62[usize::from(byte % 62)]));
                    }
                }
            }
            if let Ok(id) = Self::parse(&id) {
                return Ok(id);
            }
        }
    }

    /// The ID as it appears in a short URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An ID hashes and compares as its text, so maps keyed by `ShortId` can be searched with the `&str` of a path.
impl Borrow<str> for ShortId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ShortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShortId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_within_the_rules_parse() {
        for ok in ["abc", "my-link_2", "A1b2C3d", &"x".repeat(64)] {
            assert_eq!(ShortId::parse(ok).map(|id| id.to_string()), Ok(ok.to_owned()));
        }
    }

    #[test]
    fn aliases_outside_the_rules_are_rejected_with_the_reason() {
        assert_eq!(ShortId::parse("ab"), Err(IdError::Length));
        assert_eq!(ShortId::parse(&"x".repeat(65)), Err(IdError::Length));
        assert_eq!(ShortId::parse("has space"), Err(IdError::Character));
        assert_eq!(ShortId::parse("dot.ted"), Err(IdError::Character));
        assert_eq!(ShortId::parse("ünï"), Err(IdError::Character));
        assert_eq!(ShortId::parse("a/b/c"), Err(IdError::Character));
        assert_eq!(ShortId::parse("api"), Err(IdError::Reserved));
        assert_eq!(ShortId::parse("assets"), Err(IdError::Reserved));
        assert_eq!(ShortId::parse("shorten"), Err(IdError::Reserved));
        assert_eq!(ShortId::parse("Shorten"), Err(IdError::Reserved));
    }

    #[test]
    fn generated_ids_are_seven_base62_characters_and_differ() {
        let ids: std::collections::HashSet<String> = (0..1000)
            .map(|_| ShortId::generate().map(|id| id.to_string()))
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert_eq!(id.len(), ShortId::GENERATED_LEN);
            assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
        }
    }

    #[test]
    fn generated_ids_use_the_whole_alphabet() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            if let Ok(id) = ShortId::generate() {
                seen.extend(id.as_str().bytes());
            }
        }
        assert_eq!(seen.len(), 62);
    }

    #[test]
    fn ids_are_case_sensitive() {
        assert_ne!(ShortId::parse("AbcDef1"), ShortId::parse("abcdef1"));
    }
}
