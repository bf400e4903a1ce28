/// Counts of the HTTP traffic, kept on the event loop: requests by route and status, their
/// durations per route, bytes in and out, failed logins, open connections.
///
/// Recording a request is a few additions into arrays indexed by the route (no lock, no
/// allocation once a route and status pair has been seen). Lives on the event loop.
final class HTTPMetrics {
    /// Upper bounds of the request-duration histogram, in seconds (Prometheus's defaults).
    static let durationBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Durations {
        var counts = [UInt64](repeating: 0, count: HTTPMetrics.durationBounds.count + 1)
        var sum = 0.0
    }

    struct RouteStatus: Hashable {
        let route: String
        let status: Int
    }

    private(set) var requests: [RouteStatus: UInt64] = [:]
    private(set) var durations: [String: Durations] = [:]
    private(set) var bytesReceived: UInt64 = 0
    private(set) var bytesSent: UInt64 = 0
    private(set) var failedLogins: UInt64 = 0
    private(set) var openConnections = 0

    func connectionOpened() { openConnections += 1 }
    func connectionClosed() { openConnections -= 1 }

    /// One answered (or cut off) request: `route` is the endpoint's name, never the path.
    func record(route: String, status: Int, bytesSent sent: Int64, seconds: Double) {
        requests[RouteStatus(route: route, status: status), default: 0] += 1
        let bucket = Self.durationBounds.firstIndex { seconds <= $0 } ?? Self.durationBounds.count
        durations[route, default: Durations()].counts[bucket] += 1
        durations[route, default: Durations()].sum += seconds
        if sent > 0 { bytesSent += UInt64(sent) }
        if status == 401, route == "login" || route == "login_form" { failedLogins += 1 }
    }

    /// Request body bytes read from a socket.
    func received(_ count: Int) {
        bytesReceived += UInt64(count)
    }
}

@available(*, unavailable)
extension HTTPMetrics: Sendable {}
