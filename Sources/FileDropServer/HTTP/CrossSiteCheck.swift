import NIOHTTP1

/// SPEC's CSRF rule: a request authenticated by the cookie that changes state (POST, PATCH,
/// PUT, DELETE) must come from this server's own origin. Its `Origin` (or, lacking it,
/// `Referer`) must name the same host as the request's `Host`; `null` and foreign origins are
/// refused; with neither header it is allowed (not a browser). Bearer and query tokens are
/// not checked: a browser never adds those by itself.
enum CrossSiteCheck {
    static func refusal(request: Request, principal: Principal) -> Response? {
        guard principal.source == .cookie, changesState(request.method) else { return nil }
        let claimed: String
        if let origin = request.headers.first(name: "origin") {
            claimed = origin
        } else if let referer = request.headers.first(name: "referer") {
            claimed = referer
        } else {
            return nil
        }
        guard let host = request.headers.first(name: "host"), let claimedHost = authority(of: claimed),
            claimedHost.lowercased() == host.lowercased()
        else {
            return .message(.forbidden, "Cross-site request refused")
        }
        return nil
    }

    /// The methods that change state; every other one (GET, HEAD, OPTIONS) only reads.
    static func changesState(_ method: HTTPMethod) -> Bool {
        method == .POST || method == .PATCH || method == .PUT || method == .DELETE
    }

    /// `http://host:port/path` → `host:port`; nil for `null` or anything not http(s).
    static func authority(of url: String) -> String? {
        let lowered = url.lowercased()
        let scheme: String
        if lowered.hasPrefix("http://") {
            scheme = "http://"
        } else if lowered.hasPrefix("https://") {
            scheme = "https://"
        } else {
            return nil
        }
        let rest = url.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return authority.isEmpty ? nil : String(authority)
    }
}
