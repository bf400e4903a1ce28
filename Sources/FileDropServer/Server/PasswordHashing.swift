import FileDropAuth
import NIOCore

/// Where password hashing runs: scrypt costs tens of milliseconds of CPU, which must never
/// be spent on the event loop. Futures complete on the server's event loop.
///
/// The server uses `PasswordHashingPool` (two low-priority threads); channel tests use an
/// inline version with a cheap cost, so that a login runs on an `EmbeddedChannel`.
protocol PasswordHashing: AnyObject {
    /// A new self-describing hash of `password`.
    func hash(_ password: String) -> EventLoopFuture<String>
    /// Whether `password` matches `hash` (in constant time; the cost is read from the hash).
    /// With no hash (an unknown user) it checks a dummy hash and answers false: an unknown
    /// user costs as much as a wrong password, so timing tells no user names.
    func verify(_ password: String, against hash: String?) -> EventLoopFuture<Bool>
}
