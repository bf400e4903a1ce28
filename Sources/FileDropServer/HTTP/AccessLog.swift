import FileDropAuth
import Logging
import NIOCore
import NIOHTTP1

/// One line per request on the log: method, path (query values redacted but the listing's
/// own), status, bytes, duration, user and client; a request cut off midway (the client went
/// away, a timeout closed it) says so at the end, with the status sent (or `-` when none was)
/// and the body bytes sent so far. Never a header, a body or a token.
///
/// The text line is the message; the facts themselves go along as one metadata value (a
/// `Line`, under `kindKey`), from which `LogLineHandler` writes a JSON line's fields under
/// `--log-format json` (a cut-off request: `"aborted": true` and `cut_off` with the reason).
/// One value rather than a field each: the access log runs on every request, and building
/// eight metadata strings and a dictionary for them took about a tenth of a `GET /`.
enum AccessLog {
    /// Metadata key that marks an access-log record; its value is the `Line`.
    static let kindKey = "kind"

    /// What one access-log line says.
    struct Line: CustomStringConvertible, Sendable {
        var method: String
        var path: String
        /// The status sent; nil when none was.
        var status: UInt?
        var bytes: Int64
        /// Duration in tenths of a millisecond.
        var tenthsOfMilliseconds: Int
        var user: String
        var client: String
        /// Why the request was cut off; nil when it was answered whole.
        var cutOff: String?

        /// `12.3` from 123 tenths.
        var duration: String {
            let whole = tenthsOfMilliseconds / 10
            return "\(whole).\(tenthsOfMilliseconds - whole * 10)"
        }

        var shownStatus: String { status.map { String($0) } ?? "-" }

        /// The text line's message.
        var description: String {
            var text = ""
            appendDescription(to: &text)
            return text
        }

        /// Appends the text line's message piece by piece (no interpolation's temporaries).
        func appendDescription(to text: inout String) {
            text.reserveCapacity(text.utf8.count + 48 + path.utf8.count + user.utf8.count + client.utf8.count)
            text += method
            text += " "
            text += path
            text += " "
            text += shownStatus
            text += " "
            text += String(max(0, bytes))
            text += " "
            text += duration
            text += "ms user="
            text += user
            text += " client="
            text += client
            if let cutOff {
                text += " cut-off ("
                text += cutOff
                text += ")"
            }
        }

        /// The JSON line's fields after time and level, in order, each with its value as JSON.
        var jsonFields: [(key: String, json: String)] {
            var fields = [
                ("method", JSONText.quoted(method)), ("path", JSONText.quoted(path)),
                ("status", status.map { String($0) } ?? JSONText.quoted("-")), ("bytes", String(max(0, bytes))),
                ("duration_ms", duration), ("user", JSONText.quoted(user)), ("client", JSONText.quoted(client)),
            ]
            if let cutOff {
                fields.append(("aborted", "true"))
                fields.append(("cut_off", JSONText.quoted(cutOff)))
            }
            return fields
        }
    }

    /// Logs one line through `logger`, or straight to `lineHandler` when that is its handler.
    static func record(
        _ exchange: Exchange, status: HTTPResponseStatus?, bytes: Int64, cutOff: String?, logger: Logger,
        lineHandler: LogLineHandler? = nil
    ) {
        guard logger.logLevel <= .info else { return }
        let request = exchange.request
        let line = Line(
            method: request.method.rawValue, path: request.redactedURI, status: status.map(\.code), bytes: bytes,
            tenthsOfMilliseconds: Int((request.elapsedSeconds * 10_000).rounded()), user: exchange.principal?.user ?? "-",
            client: request.clientAddress, cutOff: cutOff
        )
        if let lineHandler {
            lineHandler.logAccess(line, source: source)
        } else {
            logger.info("\(line)", metadata: [kindKey: .stringConvertible(line)], source: source)
        }
    }

    /// The source access-log records are logged under.
    static let source = "FileDropServer"
}
