import FileDropAuth

@testable import FileDropServer

/// What the sharing channel tests share: a harness with user `ann`, one stored file, and
/// requests that make and use links.
struct SharingHarness {
    static let content = Array("hello, shared world\n".utf8)

    let harness: PipelineHarness
    let token: String
    /// The server's wall clock, moved by `advance`.
    let clock = TestClock()

    init(configuration: ServerConfiguration = ServerConfiguration(), storeFile: Bool = true) throws {
        harness = try PipelineHarness(configuration: configuration, clock: clock.wallClock)
        try harness.addUser("ann", password: "secret")
        token = harness.token(for: "ann")
        if storeFile {
            let body = FormBody.encode([
                .field("description", Array("shared notes".utf8)), .file(filename: "notes.txt", contentType: "text/plain", Self.content),
            ])
            let answer = try harness.exchange(FormBody.request(token: token, body: body))
            precondition(answer.hasPrefix("HTTP/1.1 201 "), answer)
        }
    }

    /// Moves the server's wall clock forward.
    func advance(seconds: Double) {
        clock.advance(by: seconds)
    }

    /// A signed-in request with a JSON body (Bearer token unless `cookie`).
    func send(_ method: String, _ path: String, json: String? = nil, cookie: Bool = false, origin: String? = nil) throws -> String {
        let credentials = cookie ? "Cookie: token=\(token)\r\n" : "Authorization: Bearer \(token)\r\n"
        let originHeader = origin.map { "Origin: \($0)\r\n" } ?? ""
        let body = json ?? ""
        let head = "\(method) \(path) HTTP/1.1\r\nHost: x\r\n\(credentials)\(originHeader)Content-Length: \(body.utf8.count)\r\n"
        return try harness.exchange(head + (json == nil ? "" : "Content-Type: application/json\r\n") + "\r\n" + body)
    }

    /// A request with no session at all (a guest), with extra header lines.
    func guest(_ method: String, _ path: String, headers: [String] = [], body: String = "") throws -> String {
        let lines = headers.map { $0 + "\r\n" }.joined()
        return try harness.exchange("\(method) \(path) HTTP/1.1\r\nHost: x\r\n\(lines)Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
    }

    /// Makes a link (`POST path` with `json`) and returns its JSON fields.
    func make(_ path: String, json: String = "{}") throws -> [String: JSONValue] {
        let answer = try send("POST", path, json: json)
        precondition(answer.hasPrefix("HTTP/1.1 201 "), answer)
        return try Self.object(answer.body)
    }

    static func object(_ text: String) throws -> [String: JSONValue] {
        guard case .object(let members)? = JSONText.parse(Array(text.utf8)) else { throw NotAnObject(text: text) }
        return members
    }

    struct NotAnObject: Error {
        let text: String
    }
}

extension [String: JSONValue] {
    func string(_ name: String) -> String? {
        if case .string(let value)? = self[name] { return value }
        return nil
    }

    func int(_ name: String) -> Int64? {
        if case .number(let value)? = self[name] { return value.int64 }
        return nil
    }
}
