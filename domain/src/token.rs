//! The manage token: the secret that lets whoever created a link change it without an account. It is shown
//! once, kept by the stores only as a SHA-256 hash, and checked in constant time.

use std::fmt;

use sha2::{Digest, Sha256};

/// Random bytes in a token: 256 bits, far beyond guessing.
const TOKEN_BYTES: usize = 32;

/// The base64url alphabet (RFC 4648 §5).
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A link's manage token: 32 bytes from the operating system's CSPRNG, written as 43 base64url characters
/// without padding.
///
/// Neither `Debug` nor anything else but [`ManageToken::reveal`] shows the secret, and there is deliberately no
/// `Display`, so a token cannot reach a log line or a format string by accident.
#[derive(Clone)]
pub struct ManageToken {
    bytes: [u8; TOKEN_BYTES],
    text: String,
}

/// Why a presented manage token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not 43 base64url characters encoding 32 bytes.
    #[error("a manage token is 43 base64url characters")]
    Malformed,
}

impl ManageToken {
    /// Length of a token's text.
    pub const LEN: usize = 43;

    /// Draws a fresh token from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes)?;
        Ok(Self { text: encode(&bytes), bytes })
    }

    /// Parses a token a client presented. Anything but the canonical 43-character form is refused.
    pub fn parse(raw: &str) -> Result<Self, TokenError> {
        if raw.len() != Self::LEN {
            return Err(TokenError::Malformed);
        }
        let bytes: [u8; TOKEN_BYTES] =
            decode(raw).and_then(|bytes| bytes.try_into().ok()).ok_or(TokenError::Malformed)?;
        Ok(Self { bytes, text: raw.to_owned() })
    }

    /// The secret itself, for the one response that hands it to the link's creator.
    pub fn reveal(&self) -> &str {
        &self.text
    }

    /// The hash the stores keep instead of the token.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.bytes).into())
    }
}

impl fmt::Debug for ManageToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ManageToken(…)")
    }
}

/// The SHA-256 of a [`ManageToken`]'s bytes: what a link keeps to recognise its owner.
///
/// Equality (and [`TokenHash::verifies`]) runs in constant time. `Debug` does not print the hash either: it is
/// no secret, but nothing outside the store needs to see it.
#[derive(Clone, Copy, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// Whether `token` is the one this hash was made from, compared in constant time.
    pub fn verifies(&self, token: &ManageToken) -> bool {
        *self == token.hash()
    }

    /// Parses the stored form: 64 lowercase hexadecimal digits.
    pub fn from_hex(raw: &str) -> Result<Self, TokenError> {
        if raw.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(TokenError::Malformed);
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(raw, &mut bytes).map_err(|_| TokenError::Malformed)?;
        Ok(Self(bytes))
    }

    /// The stored form: 64 lowercase hexadecimal digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(…)")
    }
}

/// Compares two equally long byte strings without an early exit, so the time taken does not tell how many
/// leading bytes matched. Written out rather than taken from `subtle`: one fold over 32 bytes, with `black_box`
/// keeping the optimizer from turning it back into a short-circuiting compare.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    std::hint::black_box(difference) == 0
}

/// `bytes` in base64url without padding.
fn encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            let sextet = (group >> (18 - 6 * i)) & 0x3f;
            text.push(char::from(BASE64URL[sextet as usize]));
        }
    }
    text
}

/// The bytes of unpadded base64url `text`; `None` for a character outside the alphabet, an impossible length,
/// or unused trailing bits that are not zero (so every byte string has exactly one accepted spelling).
fn decode(text: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut group = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            let sextet = BASE64URL.iter().position(|&a| a == c)?;
            group |= u32::try_from(sextet).ok()? << (18 - 6 * i);
        }
        let decoded = group.to_be_bytes();
        let len = chunk.len() - 1;
        if decoded[1 + len..].iter().any(|&b| b != 0) {
            return None;
        }
        bytes.extend_from_slice(&decoded[1..=len]);
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_the_rfc_4648_vectors() {
        let vectors: [(&[u8], &str); 8] = [
            (b"", ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
            (&[0xfb, 0xff, 0xbf], "-_-_"),
        ];
        for (bytes, text) in vectors {
            assert_eq!(encode(bytes), text);
            assert_eq!(decode(text).as_deref(), Some(bytes), "{text}");
        }
    }

    #[test]
    fn base64url_refuses_foreign_characters_and_non_canonical_endings() {
        for text in ["Zm9v+g", "Zm9v/g", "Zm9=", "Zh", "Zm9", "Z", "Zm9vY"] {
            assert_eq!(decode(text), None, "{text}");
        }
    }

    #[test]
    fn generated_tokens_are_43_characters_differ_and_parse_back() {
        let tokens: Vec<ManageToken> = (0..100).map(|_| ManageToken::generate().expect("CSPRNG")).collect();
        let distinct: std::collections::HashSet<&str> = tokens.iter().map(ManageToken::reveal).collect();
        assert_eq!(distinct.len(), 100);
        for token in &tokens {
            assert_eq!(token.reveal().len(), ManageToken::LEN);
            let parsed = ManageToken::parse(token.reveal()).expect("parses");
            assert_eq!(parsed.hash(), token.hash());
        }
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let good = ManageToken::generate().expect("CSPRNG");
        let text = good.reveal();
        let mut padded = text.to_owned();
        padded.push('=');
        let mut last_bits_set = text[..42].to_owned();
        last_bits_set.push(if text.ends_with('B') { 'C' } else { 'B' });
        let standard_alphabet = format!("+{}", &text[1..]);
        for bad in ["", "short", &text[..42], &padded, &last_bits_set, &standard_alphabet, &format!(" {}", &text[1..])]
        {
            assert_eq!(ManageToken::parse(bad).map(|t| t.hash()), Err(TokenError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn a_hash_verifies_its_own_token_only() {
        let token = ManageToken::generate().expect("CSPRNG");
        let other = ManageToken::generate().expect("CSPRNG");
        let hash = token.hash();
        assert!(hash.verifies(&token));
        assert!(hash.verifies(&ManageToken::parse(token.reveal()).expect("parses")));
        assert!(!hash.verifies(&other));
    }

    #[test]
    fn the_hash_is_the_sha256_of_the_token_bytes_in_lowercase_hex() {
        let token = ManageToken::parse(&"A".repeat(43)).expect("43 zero sextets are 32 zero bytes");
        let hex = token.hash().to_hex();
        assert_eq!(hex, "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
        assert_eq!(TokenHash::from_hex(&hex), Ok(token.hash()));
        assert_eq!(TokenHash::from_hex(&hex.to_uppercase()), Err(TokenError::Malformed));
        assert_eq!(TokenHash::from_hex(&hex[1..]), Err(TokenError::Malformed));
    }

    #[test]
    fn neither_the_token_nor_its_hash_reaches_debug_output() {
        let token = ManageToken::generate().expect("CSPRNG");
        let printed = format!("{token:?} {:?}", token.hash());
        assert!(!printed.contains(token.reveal()), "{printed}");
        assert!(!printed.contains(&token.hash().to_hex()), "{printed}");
    }
}
