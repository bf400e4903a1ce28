import NIOHTTP1

/// A request's head, parsed once: path, query, cookies and what the client accepts.
struct Request: Sendable {
    let head: HTTPRequestHead
    /// The path, not percent-decoded (routes are plain ASCII).
    let path: String
    let query: [(name: String, value: String)]
    /// The client's IP address, for the access log: the peer's, or the one a trusted proxy
    /// forwarded for.
    let clientAddress: String
    /// The key failed logins from this client are counted under (see `IPAddress.rateLimitKey`).
    let rateLimitKey: String
    /// A trusted proxy said the client reached it over https (the cookie gets `Secure`).
    let viaHTTPS: Bool
    /// The peer is a trusted proxy.
    let throughTrustedProxy: Bool
    let receivedAt: ContinuousClock.Instant

    init(head: HTTPRequestHead, origin: ClientOrigin, receivedAt: ContinuousClock.Instant) {
        self.head = head
        self.clientAddress = origin.text
        self.rateLimitKey = origin.address?.rateLimitKey ?? origin.text
        self.viaHTTPS = origin.viaHTTPS
        self.throughTrustedProxy = origin.throughTrustedProxy
        self.receivedAt = receivedAt
        let uri = head.uri
        if let mark = uri.firstIndex(of: "?") {
            path = String(uri[..<mark])
            query = Self.parseQuery(uri[uri.index(after: mark)...])
        } else {
            path = uri
            query = []
        }
    }

    /// A request from `clientAddress` (text), directly: for answers made before a request was
    /// read, and for tests.
    init(head: HTTPRequestHead, clientAddress: String, receivedAt: ContinuousClock.Instant) {
        self.init(head: head, origin: ClientOrigin(address: IPAddress(clientAddress)), receivedAt: receivedAt)
    }

    var method: HTTPMethod { head.method }

    /// Seconds since the request's head arrived.
    var elapsedSeconds: Double {
        let (seconds, attoseconds) = (ContinuousClock.now - receivedAt).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
    var headers: HTTPHeaders { head.headers }

    func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// The value of a cookie, from every `Cookie` header.
    func cookie(_ name: String) -> String? {
        for header in headers["cookie"] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == name {
                    return String(trimmed[trimmed.index(after: equals)...])
                }
            }
        }
        return nil
    }

    var accept: AcceptHeader { AcceptHeader(headers[canonicalForm: "accept"].joined(separator: ",")) }

    /// `application/x-www-form-urlencoded` and similar, without parameters, lowercased.
    var mediaType: String? {
        headers.first(name: "content-type").map { value in
            String(value.split(separator: ";", maxSplits: 1).first ?? "").trimmed.lowercased()
        }
    }

    /// The path with any `token` query parameter redacted, for the access log.
    var redactedURI: String {
        guard !query.isEmpty else { return path }
        let pairs = query.map {
            $0.name == "token" ? "token=REDACTED" : "\(Escaping.percentEncode($0.name))=\(Escaping.percentEncode($0.value))"
        }
        return path + "?" + pairs.joined(separator: "&")
    }

    static func parseQuery(_ text: Substring) -> [(name: String, value: String)] {
        text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Escaping.percentDecode(parts[0], plusAsSpace: true) else { return nil }
            let value = parts.count > 1 ? Escaping.percentDecode(parts[1], plusAsSpace: true) : ""
            return value.map { (name, $0) }
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmed: Substring {
        let view = Substring(self)
        let start = view.firstIndex { $0 != " " && $0 != "\t" } ?? view.endIndex
        let end = view.lastIndex { $0 != " " && $0 != "\t" }.map { view.index(after: $0) } ?? start
        return view[start..<Swift.max(start, end)]
    }
}

/// An `Accept` header (RFC 9110 §12.5.1) reduced to what the server decides with it.
struct AcceptHeader: Sendable {
    private var ranges: [(type: String, subtype: String, quality: Double)] = []

    init(_ value: String) {
        for item in value.split(separator: ",") {
            let parts = item.split(separator: ";")
            guard let range = parts.first?.trimmed.lowercased(), let slash = range.firstIndex(of: "/") else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.trimmed.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].lowercased() == "q" {
                    quality = Double(pair[1].trimmed) ?? 0
                }
            }
            ranges.append((String(range[..<slash]), String(range[range.index(after: slash)...]), quality))
        }
    }

    /// The quality of a media type given by its most specific matching range; nil when no
    /// range matches it (with no `Accept` at all, nothing is listed).
    func quality(of mediaType: String, explicitOnly: Bool = false) -> Double? {
        let slash = mediaType.firstIndex(of: "/")!
        let type = mediaType[..<slash]
        let subtype = mediaType[mediaType.index(after: slash)...]
        var best: (specificity: Int, quality: Double)?
        for range in ranges {
            let specificity: Int
            if range.type == type && range.subtype == subtype {
                specificity = 2
            } else if !explicitOnly && range.type == type && range.subtype == "*" {
                specificity = 1
            } else if !explicitOnly && range.type == "*" && range.subtype == "*" {
                specificity = 0
            } else {
                continue
            }
            if best == nil || specificity > best!.specificity {
                best = (specificity, range.quality)
            }
        }
        return best?.quality
    }

    /// A browser: lists `text/html` itself, at least as preferred as JSON.
    var prefersHTML: Bool {
        guard let html = quality(of: "text/html", explicitOnly: true), html > 0 else { return false }
        return html >= (quality(of: "application/json") ?? 0)
    }

    /// Lists `application/json` itself, preferred over `text/*`.
    var prefersJSON: Bool {
        guard let json = quality(of: "application/json", explicitOnly: true), json > 0 else { return false }
        return json > (quality(of: "text/plain") ?? 0)
    }
}

extension Request {
    /// The declared body length: 0 for none, nil when chunked (unknown).
    var declaredBodyLength: Int? {
        if headers.contains(name: "transfer-encoding") { return nil }
        return headers.first(name: "content-length").flatMap { Int($0) } ?? 0
    }

    var expectsContinue: Bool {
        headers.first(name: "expect")?.lowercased() == "100-continue"
    }
}
