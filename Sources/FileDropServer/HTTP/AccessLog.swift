import Logging
import NIOCore
import NIOHTTP1

/// One line per request on the log: method, path (query values redacted but the listing's
/// own), status, bytes, duration, user and client; a request cut off midway (the client went
/// away, a timeout closed it) says so at the end, with the status sent (or `-` when none was)
/// and the body bytes sent so far. Never a header, a body or a token.
enum AccessLog {
    static func record(
        _ exchange: Exchange, status: HTTPResponseStatus?, bytes: Int64, cutOff: String?, logger: Logger
    ) {
        let request = exchange.request
        let elapsed = ContinuousClock.now - request.receivedAt
        let (seconds, attoseconds) = elapsed.components
        let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        let duration = String(Int((milliseconds * 10).rounded())).paddedDecimal(places: 1)
        let user = exchange.principal?.user ?? "-"
        let shownStatus = status.map { String($0.code) } ?? "-"
        let ending = cutOff.map { " cut-off (\($0))" } ?? ""
        logger.info(
            "\(request.method.rawValue) \(request.redactedURI) \(shownStatus) \(bytes) \(duration)ms user=\(user) client=\(request.clientAddress)\(ending)"
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
