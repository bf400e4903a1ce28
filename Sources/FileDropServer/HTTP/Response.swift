import FileDropAuth
import NIOCore
import NIOHTTP1

/// A complete answer, built by a route and written by `HTTPHandler`.
///
/// Bodies are either bytes in memory (JSON, pages, assets) or a stored file streamed chunk by
/// chunk (`Download`); nothing else goes through here.
struct Response: Sendable {
    enum Body: Sendable {
        case bytes(ByteBuffer)
        case download(Download)
    }

    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: Body
    /// Close the connection once this response is written.
    var closeConnection = false

    init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: Body = .bytes(ByteBuffer())) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The header value of the Content-Security-Policy on every page: scripts, styles and
    /// images from this server only, no inline script, no framing.
    static let pageSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// A JSON answer. Like every JSON and text answer it carries `nosniff`, so that no browser
    /// takes a body that holds user text (a file name, a description) for HTML or script.
    static func json(_ status: HTTPResponseStatus, _ json: String) -> Response {
        self.json(status, ByteBuffer(string: json))
    }

    /// A JSON answer from bytes already encoded (shared, not copied: a cached listing).
    static func json(_ status: HTTPResponseStatus, _ json: ByteBuffer) -> Response {
        var response = Response(status: status, body: .bytes(json))
        response.headers.add(name: "Content-Type", value: "application/json")
        response.headers.add(name: "Cache-Control", value: "no-store")
        response.headers.add(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    /// `{"message": ...}`, the shape of every JSON error.
    static func message(_ status: HTTPResponseStatus, _ message: String) -> Response {
        json(status, "{\"message\":\(JSONText.quoted(message))}")
    }

    static func text(_ status: HTTPResponseStatus, _ text: String) -> Response {
        var response = Response(status: status, body: .bytes(ByteBuffer(string: text)))
        response.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        response.headers.add(name: "Cache-Control", value: "no-store")
        response.headers.add(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    /// An HTML page with the page security headers.
    static func page(_ status: HTTPResponseStatus, _ html: String) -> Response {
        page(status, ByteBuffer(string: html))
    }

    /// An HTML page from bytes already encoded (shared, not copied: a cached page).
    static func page(_ status: HTTPResponseStatus, _ html: ByteBuffer) -> Response {
        var response = Response(status: status, body: .bytes(html))
        response.headers = pageHeaders
        return response
    }

    /// A page's headers, made once: every `GET /` sends them.
    private static let pageHeaders: HTTPHeaders = {
        var response = Response(status: .ok)
        response.headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        response.headers.add(name: "Cache-Control", value: "no-store")
        response.addPageSecurityHeaders()
        return response.headers
    }()

    static func redirect(to location: String) -> Response {
        var response = Response(status: .seeOther)
        response.headers.add(name: "Location", value: location)
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }

    mutating func addPageSecurityHeaders() {
        headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.pageSecurityPolicy)
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
    }

    /// The number of body bytes this response sends for a GET.
    var contentLength: Int64 {
        switch body {
        case .bytes(let buffer): return Int64(buffer.readableBytes)
        case .download(let download): return download.length
        }
    }
}
