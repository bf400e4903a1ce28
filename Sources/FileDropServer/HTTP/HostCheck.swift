/// Against DNS rebinding, for connections that reach the server on a loopback address.
///
/// A page on `attacker.example` whose name the attacker makes resolve to 127.0.0.1 becomes
/// same-origin with a server listening there: the browser sends it `Host:
/// attacker.example:5000` and a matching `Origin`, so the CSRF checks pass, and the page could
/// post logins (guessing, or locking the account out) and read the answers. A browser that
/// reaches a loopback address under another name can only have been sent there like that, so
/// such a request is refused (403) unless the name is a loopback one: `localhost` and
/// `*.localhost` (which browsers resolve to loopback themselves, RFC 6761), `127.x.x.x` or
/// `[::1]`, with any port.
///
/// Only browsers are checked (a request with `Origin` or a `Sec-Fetch-*` header, which every
/// current browser sends): any other client can name whatever host it likes, and one that
/// can connect to the loopback address does not need a browser's help. A reverse proxy on
/// the same machine forwards the public name, so requests from a `--trusted-proxy` are not
/// checked; without that setting the 403 says what to add.
enum HostCheck {
    static let refusalMessage =
        "This server listens on a loopback address and answers browsers only under a loopback name "
        + "(localhost, 127.0.0.1). A reverse proxy on this machine needs --trusted-proxy 127.0.0.1/32."

    static func refusal(_ request: Request) -> Response? {
        let headers = request.headers
        let fromBrowser = headers.contains(name: "origin") || headers.contains { $0.name.hasPrefix(asciiCaseInsensitive: "sec-fetch-") }
        guard fromBrowser, let host = headers.first(name: "host"), !isLoopbackName(host) else { return nil }
        return .message(.forbidden, refusalMessage)
    }

    /// `localhost`, `*.localhost`, `127.x.x.x` or `[::1]`, each with an optional port.
    static func isLoopbackName(_ host: String) -> Bool {
        var name = Substring(host.trimmed.lowercased())
        if name.hasPrefix("[") {
            guard let close = name.firstIndex(of: "]") else { return false }
            return IPAddress(name[name.index(after: name.startIndex)..<close])?.isLoopback ?? false
        }
        if let colon = name.lastIndex(of: ":") {
            name = name[..<colon]
        }
        if name.hasSuffix(".") { name = name.dropLast() }
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        guard let address = IPAddress(name), case .v4 = address else { return false }
        return address.isLoopback
    }
}
