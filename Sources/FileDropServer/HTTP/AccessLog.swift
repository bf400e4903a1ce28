import Logging
import NIOCore
import NIOHTTP1

/// One line per request on the log: method, path (token redacted), status, bytes, duration,
/// user and client. Never a header, a body or a query token.
///
/// The text line is the message; the same facts go along as metadata, from which
/// `LogLineHandler` writes a JSON line's fields under `--log-format json`.
enum AccessLog {
    /// Metadata key that marks an access-log record.
    static let kindKey = "kind"
    /// The JSON fields of an access-log line, in order.
    static let fields = ["method", "path", "status", "bytes", "duration_ms", "user", "client", "aborted"]
    static let numericFields: Set<String> = ["status", "bytes", "duration_ms"]

    static func record(_ exchange: Exchange, status: HTTPResponseStatus, bytes: Int64, logger: Logger) {
        let request = exchange.request
        let tenths = Int((request.elapsedSeconds * 10_000).rounded())
        let duration = String(tenths).paddedDecimal(places: 1)
        let user = exchange.principal?.user ?? "-"
        let sent = bytes < 0 ? "aborted" : "\(bytes)"
        let path = request.redactedURI
        var metadata: Logger.Metadata = [
            kindKey: "access", "method": "\(request.method.rawValue)", "path": "\(path)", "status": "\(status.code)",
            "bytes": "\(max(0, bytes))", "duration_ms": "\(duration)", "user": "\(user)", "client": "\(request.clientAddress)",
        ]
        if bytes < 0 { metadata["aborted"] = "true" }
        logger.info(
            "\(request.method.rawValue) \(path) \(status.code) \(sent) \(duration)ms user=\(user) client=\(request.clientAddress)",
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
