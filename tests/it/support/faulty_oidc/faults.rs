//! The scenarios: what the provider gets wrong, one [`Fault`] at a time.

/// What the provider gets wrong. The RP must refuse the sign-in for every fault but
/// [`Fault::None`], [`Fault::KidAbsentOneKey`] and [`Fault::KeyRotation`] (see
/// [`Fault::must_accept`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// A correct ID token.
    None,
    /// `iss` is another realm.
    WrongIss,
    /// No `sub`.
    MissingSub,
    /// `aud` is another client.
    WrongAud,
    /// No `aud`.
    MissingAud,
    /// No `iat`.
    MissingIat,
    /// `exp` half an hour ago (`iat` an hour ago).
    Expired,
    /// `nonce` is not the one of the authorization request.
    NonceMismatch,
    /// Signed by a key that is not in the JWKS, under the `kid` of the one that is.
    BadSignature,
    /// `alg: none`, empty signature.
    AlgNone,
    /// No `kid` in the header, one key in the JWKS: a correct RP accepts.
    KidAbsentOneKey,
    /// No `kid` in the header, two keys in the JWKS: refuse.
    KidAbsentSeveralKeys,
    /// Signed with a new key (`kid` `faulty-2`). The JWKS serves the old key alone until the
    /// RP has fetched it at least once, then the new and the old key: a correct RP re-fetches
    /// the JWKS once on the unknown `kid` and accepts.
    KeyRotation,
    /// Userinfo `sub` differs from the ID token's.
    UserinfoSubMismatch,
    /// `acr` is `eidas0`.
    AcrBelow,
    /// No `acr`.
    AcrMissing,
}

impl Fault {
    pub const ALL: [Fault; 16] = [
        Fault::None,
        Fault::WrongIss,
        Fault::MissingSub,
        Fault::WrongAud,
        Fault::MissingAud,
        Fault::MissingIat,
        Fault::Expired,
        Fault::NonceMismatch,
        Fault::BadSignature,
        Fault::AlgNone,
        Fault::KidAbsentOneKey,
        Fault::KidAbsentSeveralKeys,
        Fault::KeyRotation,
        Fault::UserinfoSubMismatch,
        Fault::AcrBelow,
        Fault::AcrMissing,
    ];

    /// Whether a correct relying party signs the user in despite (or without) this fault.
    pub fn must_accept(self) -> bool {
        matches!(
            self,
            Fault::None | Fault::KidAbsentOneKey | Fault::KeyRotation
        )
    }
}
