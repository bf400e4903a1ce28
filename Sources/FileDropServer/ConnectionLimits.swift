import NIOCore

/// How long and how slowly a client may take (SPEC "HTTP hygiene and operations"); past a
/// limit its connection is closed.
///
/// - `head`: a request head must be complete within 10 s of its first byte (or of the
///   connection's start).
/// - `bodyIdle`: a body may pause at most 30 s between reads.
/// - `bodyMinimumRate`: and it must arrive, on average, at 1 KiB/s at least, after a grace
///   of `bodyIdle`: it is cut off at `bodyIdle + received / rate` after its start. A byte
///   every 25 s passes the idle limit for ever and is cut off after 30 s; any real link
///   (a 1 GiB upload at 1 Mbit/s is 125 KiB/s) stays far ahead of the line, and a stall of a
///   working upload is judged by the idle limit alone. (A total deadline could not tell a
///   large upload on a slow link from a stalled one; this is Apache's `MinRate`.) Time in
///   which the server itself held reading back (the database behind, the memory budget
///   spent) does not count against the client.
/// - `keepAliveIdle`: a kept-alive connection may idle 60 s between requests.
/// - `writeIdle`: a response whose bytes have not moved for 60 s (the client reads nothing)
///   is abandoned and its connection closed.
/// - `discardBytes`, `discardTime`: after an answer given before the body was read (401,
///   404, 413, ...), at most 1 MiB or 5 s of the rest is read and dropped, then the
///   connection is closed.
///
/// Only the tests change these, through the environment variable `FILEDROP_TEST_LIMITS`
/// (`write-idle=2,body-idle=1.5,...`: seconds, or bytes for `discard-bytes`, bytes per second
/// for `body-min-rate`), so that slow-client tests take seconds, not minutes.
public struct ConnectionLimits: Sendable, Equatable {
    public static let environmentVariable = "FILEDROP_TEST_LIMITS"

    public var head = TimeAmount.seconds(10)
    public var bodyIdle = TimeAmount.seconds(30)
    public var bodyMinimumRate = 1024
    public var keepAliveIdle = TimeAmount.seconds(60)
    public var writeIdle = TimeAmount.seconds(60)
    public var discardBytes = 1 << 20
    public var discardTime = TimeAmount.seconds(5)

    public init() {}

    /// `name=value` pairs, comma-separated.
    static func parse(_ text: String) throws(ConfigurationError.Reason) -> ConnectionLimits {
        var limits = ConnectionLimits()
        for pair in text.split(ascii: ",") {
            guard let (name, value) = pair.trimmed.splitOnce(ascii: "="), let number = Double(value), number > 0 else {
                throw .init("must be name=number pairs, separated by commas")
            }
            let seconds = TimeAmount.nanoseconds(Int64(number * 1e9))
            switch name {
            case "head": limits.head = seconds
            case "body-idle": limits.bodyIdle = seconds
            case "body-min-rate": limits.bodyMinimumRate = Int(number)
            case "keep-alive": limits.keepAliveIdle = seconds
            case "write-idle": limits.writeIdle = seconds
            case "discard-bytes": limits.discardBytes = Int(number)
            case "discard-time": limits.discardTime = seconds
            default:
                throw .init(
                    "unknown limit '\(name)' (head, body-idle, body-min-rate, keep-alive, write-idle, discard-bytes, discard-time)"
                )
            }
        }
        return limits
    }
}
