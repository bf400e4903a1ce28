import NIOHTTP1

/// SPEC's CSRF rules. A request authenticated by the cookie that changes state (POST, PATCH,
/// PUT, DELETE) must come from this server's own origin; so must every `POST /login` (login
/// CSRF, and five bad logins posted from a visitor's browser would lock the visitor out).
///
/// A request is cross-site when it carries `Sec-Fetch-Site: cross-site`, or when its `Origin`
/// (or, lacking it, `Referer`) is `null` or names another host than its `Host`. With none of
/// these headers it is allowed: it does not come from a browser. Bearer and query tokens are
/// not checked: a browser never adds those by itself.
enum CrossSiteCheck {
    static func refusal(request: Request, principal: Principal) -> Response? {
        guard principal.source == .cookie, changesState(request.method) else { return nil }
        return isCrossSite(request) ? .message(.forbidden, "Cross-site request refused") : nil
    }

    static func isCrossSite(_ request: Request) -> Bool {
        let headers = request.headers
        if headers.first(name: "sec-fetch-site")?.trimmed.lowercased() == "cross-site" { return true }
        let claimed: String
        if let origin = headers.first(name: "origin") {
            claimed = origin
        } else if let referer = headers.first(name: "referer") {
            claimed = referer
        } else {
            return false
        }
        guard let host = headers.first(name: "host"), let claimedHost = authority(of: claimed) else { return true }
        // Compared as bytes: as Strings, canonically equivalent spellings would count as equal.
        return !claimedHost.lowercased().utf8.elementsEqual(host.lowercased().utf8)
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
        let authority = rest.unicodeScalars.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return authority.isEmpty ? nil : String(Substring(authority))
    }
}
