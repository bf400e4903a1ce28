import FileDropAuth
import Logging
import Synchronization
import Testing

@testable import FileDropServer

#if canImport(Glibc)
import Glibc
#endif

/// `--log-format json`: every line one JSON object, whatever a client put in a path.
@Suite struct LogLineTests {
    static let hostile = [
        "plain", "quote \" and backslash \\", "new\nline and \r and \t", "\u{0}\u{1}\u{1B}[31m\u{7F}", "é€😀\u{2028}\u{2029}",
        "\u{FFFD}", String(decoding: [0x66, 0xFF, 0xC3, 0x28, 0x6F], as: UTF8.self),
    ]

    @Test(arguments: hostile)
    func aMessageIsOneParsableObject(text: String) throws {
        let line = LogLineHandler.json(level: .warning, message: text, metadata: ["extra": "\(text)"])
        #expect(!line.contains("\n") && !line.contains("\r"))
        let fields = try #require(JSONText.stringFields(Array(line.utf8)))
        #expect(fields["message"] == text && fields["extra"] == text && fields["level"] == "warning")
        #expect(fields["time"]?.hasSuffix("Z") == true)
    }

    @Test(arguments: hostile)
    func anAccessLineHasItsFields(path: String) throws {
        let access = AccessLog.Line(
            method: "GET", path: path, status: 404, bytes: 21, tenthsOfMilliseconds: 4, user: "-", client: "127.0.0.1", cutOff: nil
        )
        let line = LogLineHandler.json(level: .info, message: "ignored", metadata: [AccessLog.kindKey: .stringConvertible(access)])
        let fields = try #require(JSONText.stringFields(Array(line.utf8)))
        #expect(fields["path"] == path && fields["method"] == "GET" && fields["client"] == "127.0.0.1" && fields["user"] == "-")
        #expect(fields["message"] == nil)
        #expect(line.contains("\"status\":404,") && line.contains("\"bytes\":21,") && line.contains("\"duration_ms\":0.4,"))
        #expect(access.description == "GET \(path) 404 21 0.4ms user=- client=127.0.0.1")
    }

    /// `AccessLog` writes its lines past `Logger` (`logAccess`): they must be the lines a
    /// `Logger` call would have made, in both formats, the handler's own metadata and all.
    @Test(arguments: [ServerConfiguration.LogFormat.text, .json], ["-", "a cut-off (reason)"])
    func anAccessLineIsTheLineALoggerCallMakes(format: ServerConfiguration.LogFormat, cutOff: String) {
        let access = AccessLog.Line(
            method: "GET", path: "/files?q=a%20b", status: cutOff == "-" ? 200 : nil, bytes: 1234, tenthsOfMilliseconds: 57,
            user: "ann", client: "2001:db8::1", cutOff: cutOff == "-" ? nil : cutOff
        )
        var handler = LogLineHandler(label: "FileDrop", level: .info, format: format)
        handler.metadata = ["request": "7"]
        let event = LogEvent(
            level: .info, message: "\(access)", metadata: [AccessLog.kindKey: .stringConvertible(access)],
            source: AccessLog.source, file: #fileID, function: #function, line: #line
        )
        // Everything after the time (which may have moved on between the two).
        func afterTime(_ line: String) -> Substring { line.drop { $0 != "Z" } }
        let direct = handler.accessLine(access, source: AccessLog.source)
        #expect(afterTime(direct) == afterTime(handler.line(for: event)))
        #expect(afterTime(direct).count > 40)
        #expect(direct.hasSuffix("\n") && direct.contains(format == .text ? "GET /files?q=a%20b" : "\"path\":\"/files?q=a%20b\""))
    }

    @Test func aCutOffLineSaysSoInBothFormats() throws {
        let access = AccessLog.Line(
            method: "POST", path: "/upload", status: nil, bytes: -1, tenthsOfMilliseconds: 12_345, user: "ann", client: "::1",
            cutOff: "client went away"
        )
        #expect(access.description == "POST /upload - 0 1234.5ms user=ann client=::1 cut-off (client went away)")
        let line = LogLineHandler.json(level: .info, message: "ignored", metadata: [AccessLog.kindKey: .stringConvertible(access)])
        #expect(line.contains("\"status\":\"-\",\"bytes\":0,\"duration_ms\":1234.5,"))
        #expect(line.hasSuffix(",\"aborted\":true,\"cut_off\":\"client went away\"}"))
    }
}

@Suite struct PrometheusTextTests {
    @Test func histogramsAreCumulativeWithSumAndCount() {
        var text = PrometheusText()
        text.describe("x_seconds", .histogram, "help")
        text.histogram("x_seconds", label: ("route", "a\"b"), bounds: [0.1, 1], counts: [2, 0, 3], sum: 4.5)
        #expect(
            text.text == """
                # HELP x_seconds help
                # TYPE x_seconds histogram
                x_seconds_bucket{route="a\\"b",le="0.1"} 2
                x_seconds_bucket{route="a\\"b",le="1"} 2
                x_seconds_bucket{route="a\\"b",le="+Inf"} 5
                x_seconds_sum{route="a\\"b"} 4.5
                x_seconds_count{route="a\\"b"} 5

                """
        )
    }

    @Test(arguments: [("plain", "plain"), ("a\\b", "a\\\\b"), ("line\nfeed", "line\\nfeed"), ("q\"", "q\\\"")])
    func labelValuesAreEscaped(value: String, escaped: String) {
        #expect(PrometheusText.escape(value) == escaped)
    }
}

/// `LogOutput`: lines reach the descriptor whole and in order; while batching, one flush
/// per batch, scheduled by its first line.
@Suite struct LogOutputTests {
    /// Collects what the output schedules, to run when the test says.
    final class Tasks: Sendable {
        let scheduled = Mutex<[@Sendable () -> Void]>([])
        var count: Int { scheduled.withLock { $0.count } }
        func runAll() {
            for task in scheduled.withLock({ tasks in
                defer { tasks = [] }; return tasks
            }) { task() }
        }
    }

    private func pipeEnds() -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        pipe(&ends)
        _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
        return (ends[0], ends[1])
    }

    private func drain(_ descriptor: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func withoutBatchingEachLineIsWrittenAtOnce() {
        let ends = pipeEnds()
        defer { close(ends.read); close(ends.write) }
        let output = LogOutput(descriptor: ends.write)
        output.append("one\n")
        #expect(drain(ends.read) == "one\n")
        output.append("two\n")
        #expect(drain(ends.read) == "two\n")
    }

    @Test func aBatchWaitsForTheOneFlushItsFirstLineScheduled() {
        let ends = pipeEnds()
        defer { close(ends.read); close(ends.write) }
        let output = LogOutput(descriptor: ends.write)
        let tasks = Tasks()
        output.batch { task in tasks.scheduled.withLock { $0.append(task) } }
        let lines = (0..<100).map { "line \($0)\n" }
        for line in lines { output.append(line) }
        #expect(drain(ends.read).isEmpty)
        #expect(tasks.count == 1)
        tasks.runAll()
        #expect(drain(ends.read) == lines.joined())
        output.append("next\n")
        #expect(tasks.count == 1)
        output.stopBatching()
        #expect(drain(ends.read) == "next\n")
        output.append("direct\n")
        #expect(drain(ends.read) == "direct\n")
    }

    @Test func noMoreThanTheLimitWaits() {
        let ends = pipeEnds()
        defer { close(ends.read); close(ends.write) }
        let output = LogOutput(descriptor: ends.write)
        output.batch { _ in }  // flushes that never run: only the limit writes
        let line = String(repeating: "x", count: 1023) + "\n"
        var written = 0
        for _ in 0..<(2 * LogOutput.limit / line.utf8.count) {
            output.append(line)
            written += drain(ends.read).utf8.count
            #expect(output.waitingBytes < LogOutput.limit)
        }
        #expect(written == 2 * LogOutput.limit)
    }
}
