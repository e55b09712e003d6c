//! Who may do what: everything that authenticates a person or a request, in one place.
//!
//! - [`password`]: argon2id hashing off the async workers, with a cap on concurrent hashes;
//! - [`sign_in`]: the password sign-in use case and session creation;
//! - [`session`]: server-side sessions and the `MaybeUser` / `SignedIn` / `AdminUser` extractors;
//! - [`mfa`]: the administrators' second factor (TOTP, recovery codes, secret encryption);
//! - [`csrf`]: the signed double-submit cookie checked on every POST;
//! - [`cookies`]: cookie names and attributes (`__Host-` under https);
//! - [`throttle`]: rate limits shared by every instance (sign-in, sign-up, resend, mails);
//! - [`client`]: the client address behind trusted proxies;
//! - [`secrets`]: random tokens and their digests.

pub mod client;
pub mod cookies;
pub mod csrf;
pub mod mfa;
pub mod password;
pub mod secrets;
pub mod session;
pub mod sign_in;
pub mod throttle;
