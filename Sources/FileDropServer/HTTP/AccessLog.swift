import Logging
import NIOCore
import NIOHTTP1

/// One line per request on the log: method, path (query values redacted but the listing's
/// own), status, bytes, duration, user and client; a request cut off midway (the client went
/// away, a timeout closed it) says so at the end, with the status sent (or `-` when none was)
/// and the body bytes sent so far. Never a header, a body or a token.
///
/// The text line is the message; the same facts go along as metadata, from which
/// `LogLineHandler` writes a JSON line's fields under `--log-format json` (a cut-off request:
/// `"aborted": true` and `cut_off` with the reason).
enum AccessLog {
    /// Metadata key that marks an access-log record.
    static let kindKey = "kind"
    /// The JSON fields of an access-log line, in order.
    static let fields = ["method", "path", "status", "bytes", "duration_ms", "user", "client", "aborted", "cut_off"]
    static let numericFields: Set<String> = ["status", "bytes", "duration_ms"]

    static func record(
        _ exchange: Exchange, status: HTTPResponseStatus?, bytes: Int64, cutOff: String?, logger: Logger
    ) {
        let request = exchange.request
        let tenths = Int((request.elapsedSeconds * 10_000).rounded())
        let duration = String(tenths).paddedDecimal(places: 1)
        let user = exchange.principal?.user ?? "-"
        let shownStatus = status.map { String($0.code) } ?? "-"
        let path = request.redactedURI
        var metadata: Logger.Metadata = [
            kindKey: "access", "method": "\(request.method.rawValue)", "path": "\(path)", "status": "\(shownStatus)",
            "bytes": "\(max(0, bytes))", "duration_ms": "\(duration)", "user": "\(user)", "client": "\(request.clientAddress)",
        ]
        if let cutOff {
            metadata["aborted"] = "true"
            metadata["cut_off"] = "\(cutOff)"
        }
        let ending = cutOff.map { " cut-off (\($0))" } ?? ""
        logger.info(
            "\(request.method.rawValue) \(path) \(shownStatus) \(max(0, bytes)) \(duration)ms user=\(user) client=\(request.clientAddress)\(ending)",
            metadata: metadata
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
