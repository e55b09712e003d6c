//! Form bodies: a strict parser for the CSRF check, and [`AppForm`], an extractor whose
//! rejections become HTML error pages (400/413/415) instead of axum's plain-text ones.

use axum::{
    extract::{FromRequest, Request, rejection::FormRejection},
    http::StatusCode,
};
use percent_encoding::percent_decode;
use serde::de::DeserializeOwned;

use crate::error::AppError;

pub struct AppForm<T>(pub T);

impl<S, T> FromRequest<S> for AppForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(rejection) => Err(map_rejection(&rejection)),
        }
    }
}

fn map_rejection(rejection: &FormRejection) -> AppError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
        _ => AppError::BadRequest(rejection.body_text()),
    }
}

/// A body that is not valid `application/x-www-form-urlencoded`.
#[derive(Debug)]
pub struct MalformedForm;

/// Parses `application/x-www-form-urlencoded` strictly: a `%` must start a valid escape and
/// every decoded name and value must be UTF-8. (The lenient WHATWG parser would silently turn
/// garbage into U+FFFD; a malformed body deserves a 400.)
pub fn strict_pairs(body: &[u8]) -> Result<Vec<(String, String)>, MalformedForm> {
    body.split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = match part.iter().position(|b| *b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &part[part.len()..]),
            };
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

fn decode(raw: &[u8]) -> Result<String, MalformedForm> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let mut i = 0;
    while let Some(offset) = plus_as_space[i..].iter().position(|b| *b == b'%') {
        let at = i + offset;
        let valid = plus_as_space
            .get(at + 1..at + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
        if !valid {
            return Err(MalformedForm);
        }
        i = at + 3;
    }
    percent_decode(&plus_as_space)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| MalformedForm)
}

#[cfg(test)]
mod tests {
    use super::strict_pairs;

    #[test]
    fn well_formed_bodies_decode() {
        let pairs = strict_pairs(b"nom=Dupont&prenom=Jean+Pierre&email=a%40b.fr&vide=").unwrap();
        assert_eq!(pairs[1], ("prenom".into(), "Jean Pierre".into()));
        assert_eq!(pairs[2].1, "a@b.fr");
        assert_eq!(pairs[3].1, "");
    }

    #[test]
    fn broken_escapes_are_rejected() {
        assert!(strict_pairs(b"a=%zz").is_err());
        assert!(strict_pairs(b"a=%4").is_err());
    }

    #[test]
    fn invalid_utf8_is_rejected() {
        assert!(strict_pairs(b"a=%ff%fe").is_err());
    }
}
