/// Why a token was refused. None of the cases carries token bytes, so an error can be logged.
///
/// The server answers all of them the same way (401 "Invalid token"); the distinction is for
/// logs and tests.
public enum TokenError: Error, Equatable, Sendable {
    /// Not three base64url segments, not JSON objects, a claim of the wrong type, a `crit`
    /// header, `sub` and `user` disagreeing.
    case malformed
    /// `alg` is anything but exactly "HS256" (RFC 8725 §3.1: no "none", no algorithm switch).
    case unsupportedAlgorithm
    /// The HMAC does not match (including an empty signature).
    case badSignature
    /// `exp` is in the past by more than the leeway.
    case expired
    /// `exp` lies further ahead than the token lifetime plus the leeway: no token we issue
    /// lives that long, and one without `iat` must not outlive password changes.
    case expiresTooLate
    /// `nbf` or `iat` is in the future by more than the leeway.
    case notYetValid
    /// No `exp` claim: FileDrop accepts no token that never expires.
    case missingExpiry
    /// Longer than the verifier's limit (8 KiB by default).
    case tooLarge
    /// Neither `sub` nor `user` names a user (absent or empty).
    case missingSubject
}
