#if canImport(Glibc)
import Glibc
#endif

/// The wall clock (Unix time), read in one place and passed to whatever needs the time, so
/// that tests can set it: token times, rate-limit windows and upload times are all read
/// through a `WallClock`, never from the system directly.
///
/// Named for what it reads; it is not the standard library's `Clock` protocol (monotonic
/// durations, used for the access log's timings).
public struct WallClock: Sendable {
    private let read: @Sendable () -> Double

    /// A clock reading `read()` as Unix time in seconds, with a fraction.
    public init(_ read: @escaping @Sendable () -> Double) {
        self.read = read
    }

    /// The system's real-time clock (`CLOCK_REALTIME`).
    public static let system = WallClock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Unix time in seconds, with a fraction.
    public var now: Double { read() }

    /// Whole Unix seconds (JWT times, account validity).
    public var unixSeconds: Int64 { Int64(now.rounded(.down)) }

    /// Whole Unix milliseconds (file times).
    public var unixMilliseconds: Int64 { Int64((now * 1000).rounded(.down)) }
}
