import Logging
import NIOCore
import NIOHTTP1

/// One line per request on the log: method, path (token redacted), status, bytes, duration,
/// user and client. Never a header, a body or a query token.
enum AccessLog {
    static func record(_ exchange: Exchange, status: HTTPResponseStatus, bytes: Int64, logger: Logger) {
        let request = exchange.request
        let elapsed = ContinuousClock.now - request.receivedAt
        let (seconds, attoseconds) = elapsed.components
        let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        let duration = String(Int((milliseconds * 10).rounded())).paddedDecimal(places: 1)
        let user = exchange.principal?.user ?? "-"
        let sent = bytes < 0 ? "aborted" : "\(bytes)"
        logger.info(
            "\(request.method.rawValue) \(request.redactedURI) \(status.code) \(sent) \(duration)ms user=\(user) client=\(request.clientAddress)"
        )
    }
}

extension String {
    /// "123" with places 1 → "12.3".
    fileprivate func paddedDecimal(places: Int) -> String {
        let digits = count <= places ? String(repeating: "0", count: places - count + 1) + self : self
        return digits.dropLast(places) + "." + digits.suffix(places)
    }
}
