import FileDropAuth
import FileDropSystem
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Writes log records to stderr, one line each, as text (the default) or as one JSON object
/// per line (`--log-format json`, for journald and log shippers).
///
/// JSON lines: access-log records (`AccessLog`, marked by their metadata) become
/// `{"time","level","method","path","status","bytes","duration_ms","user","client"}`, other
/// messages `{"time","level","message"}` plus any metadata as string fields. Strings are
/// escaped by `JSONText.quoted` (quotes, backslashes, every control character), and a Swift
/// string holds no invalid UTF-8 (whatever was decoded into it had bad bytes replaced), so
/// every line parses whatever a client sent. Lines go whole into `LogOutput`, which writes
/// them in batches within a few milliseconds, so that two threads never interleave.
public struct LogLineHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: ServerConfiguration.LogFormat

    public init(label: String, level: Logger.Level, format: ServerConfiguration.LogFormat) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        LogOutput.standardError.append(line(for: event))
    }

    /// The line (with its newline) an event is written as.
    func line(for event: LogEvent) -> String {
        var merged = metadata
        if let extra = event.metadata {
            if merged.isEmpty { merged = extra } else { merged.merge(extra) { _, new in new } }
        }
        switch format {
        case .text:
            let message =
                merged[AccessLog.kindKey] == nil ? Self.textMetadata(merged) + event.message.description : event.message.description
            return "\(Self.timestamp(fraction: false)) \(event.level) \(label): [\(event.source)] \(message)\n"
        case .json:
            return Self.json(level: event.level, message: event.message.description, metadata: merged) + "\n"
        }
    }

    /// Writes an access-log line at `info` straight from its facts: the line `log(event:)`
    /// writes for the record `AccessLog` would log, without the message, metadata dictionary
    /// and merge a `Logger` call makes (a fifteenth of a cached page's time).
    func logAccess(_ access: AccessLog.Line, source: String) {
        LogOutput.standardError.append(accessLine(access, source: source))
    }

    func accessLine(_ access: AccessLog.Line, source: String) -> String {
        switch format {
        case .text:
            var line = Self.timestamp(fraction: false)
            line += " info "
            line += label
            line += ": ["
            line += source
            line += "] "
            access.appendDescription(to: &line)
            line += "\n"
            return line
        case .json:
            let metadata: Logger.Metadata = [AccessLog.kindKey: .stringConvertible(access)]
            return Self.json(level: .info, message: access.description, metadata: metadata) + "\n"
        }
    }

    static func json(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var fields = ["\"time\":\(JSONText.quoted(timestamp(fraction: true)))", "\"level\":\(JSONText.quoted(level.rawValue))"]
        if case .stringConvertible(let access as AccessLog.Line) = metadata[AccessLog.kindKey] {
            for (key, json) in access.jsonFields { fields.append("\"\(key)\":" + json) }
        } else {
            fields.append("\"message\":\(JSONText.quoted(message))")
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where !["time", "level", "message"].contains(key) {
                fields.append("\(JSONText.quoted(key)):\(JSONText.quoted("\(value)"))")
            }
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    private static func textMetadata(_ metadata: Logger.Metadata) -> String {
        metadata.isEmpty ? "" : metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + " "
    }

    /// Now in UTC, RFC 3339: `2026-01-02T03:04:05Z`, with milliseconds for JSON. The text of
    /// the current second is made once and reused (a line per request would otherwise format
    /// the date each time).
    static func timestamp(fraction: Bool) -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let second = secondText(Int(spec.tv_sec))
        guard fraction else { return second + "Z" }
        let milliseconds = Int(spec.tv_nsec / 1_000_000)
        return second + "." + String(repeating: "0", count: 3 - String(milliseconds).count) + String(milliseconds) + "Z"
    }

    private static let lastSecond = Mutex<(second: Int, text: String)>((-1, ""))

    /// `2026-01-02T03:04:05` for a Unix second.
    private static func secondText(_ second: Int) -> String {
        if let text = lastSecond.withLock({ $0.second == second ? $0.text : nil }) { return text }
        var seconds = time_t(second)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let text =
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        lastSecond.withLock { $0 = (second, text) }
        return text
    }
}
