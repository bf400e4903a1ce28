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
        self.init(head: head, origin: origin, texts: ClientTexts(origin), receivedAt: receivedAt)
    }

    /// A request from `origin`, whose texts were made before (a connection's peer).
    init(head: HTTPRequestHead, origin: ClientOrigin, texts: ClientTexts, receivedAt: ContinuousClock.Instant) {
        self.head = head
        self.clientAddress = texts.address
        self.rateLimitKey = texts.rateLimitKey
        self.viaHTTPS = origin.viaHTTPS
        self.throughTrustedProxy = origin.throughTrustedProxy
        self.receivedAt = receivedAt
        let uri = head.uri
        if let (path, query) = uri.splitOnce(ascii: "?") {
            self.path = String(path)
            self.query = Self.parseQuery(query, lossy: true)
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
            for pair in header.split(ascii: ";") {
                guard let (pairName, value) = pair.trimmed.splitOnce(ascii: "=") else { continue }
                if pairName == name {
                    return String(value)
                }
            }
        }
        return nil
    }

    var accept: AcceptHeader { AcceptHeader(headers[canonicalForm: "accept"].joined(separator: ",")) }

    /// `application/x-www-form-urlencoded` and similar, without parameters, lowercased.
    var mediaType: String? {
        headers.first(name: "content-type").map { value in
            String(value.split(ascii: ";", maxSplits: 1).first ?? "").trimmed.lowercased()
        }
    }

    /// Query parameters whose values the access log may show: the listing's own.
    static let loggableParameters: Set<String> = ["limit", "cursor", "q"]

    /// The path and query for the access log: the token of a share or drop link (`/s/TOKEN`,
    /// `/d/TOKEN/...`) redacted, and every query value but those of `loggableParameters`
    /// (tokens, passwords, keys, whatever a client put there).
    var redactedURI: String {
        var path = self.path
        if path.hasPrefix("/s/") || path.hasPrefix("/d/") {
            let parts = path.split(ascii: "/", maxSplits: 3, omittingEmptySubsequences: false)
            if parts.count >= 3 {
                path = "/\(parts[1])/REDACTED" + (parts.count > 3 ? "/" + parts[3] : "")
            }
        }
        guard !query.isEmpty else { return path }
        let pairs = query.map {
            let value = Self.loggableParameters.contains($0.name) ? Escaping.percentEncode($0.value) : "REDACTED"
            return "\(Escaping.percentEncode($0.name))=\(value)"
        }
        return path + "?" + pairs.joined(separator: "&")
    }

    /// `name=value&...` pairs, percent-decoded. Strict (a form body): a pair that is not valid
    /// UTF-8 or has a broken escape is left out. Lossy (a URL's query): such a pair is kept,
    /// its broken bytes as U+FFFD, so a parameter sent is never taken for one not sent.
    static func parseQuery(_ text: Substring, lossy: Bool = false) -> [(name: String, value: String)] {
        text.split(ascii: "&").compactMap { pair in
            let parts = pair.split(ascii: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if lossy {
                let value = parts.count > 1 ? Escaping.percentDecodeLossy(parts[1], plusAsSpace: true) : ""
                return (Escaping.percentDecodeLossy(parts[0], plusAsSpace: true), value)
            }
            guard let name = Escaping.percentDecode(parts[0], plusAsSpace: true) else { return nil }
            let value = parts.count > 1 ? Escaping.percentDecode(parts[1], plusAsSpace: true) : ""
            return value.map { (name, $0) }
        }
    }
}

/// An `Accept` header (RFC 9110 §12.5.1) reduced to what the server decides with it.
struct AcceptHeader: Sendable {
    private var ranges: [(type: String, subtype: String, quality: Double)] = []

    init(_ value: String) {
        for item in value.split(ascii: ",") {
            let parts = item.split(ascii: ";")
            guard let range = parts.first?.trimmed.lowercased(), let slash = range.firstIndex(ascii: "/") else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.trimmed.split(ascii: "=", maxSplits: 1)
                if pair.count == 2, pair[0].lowercased() == "q" {
                    quality = Double(pair[1].trimmed) ?? 0
                }
            }
            ranges.append((String(range[..<slash]), String(range[range.utf8.index(after: slash)...]), quality))
        }
    }

    /// The quality of a media type given by its most specific matching range; nil when no
    /// range matches it (with no `Accept` at all, nothing is listed).
    func quality(of mediaType: String, explicitOnly: Bool = false) -> Double? {
        let (type, subtype) = mediaType.splitOnce(ascii: "/")!
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
    ///
    /// A length too large for `Int` (2^63 or more: the HTTP parser takes up to 2^64 - 1) is
    /// `Int.max`, larger than every limit, never 0: taken as 0, such a request would be
    /// answered as bodiless while the parser waits for its body.
    var declaredBodyLength: Int? {
        if headers.contains(name: "transfer-encoding") { return nil }
        guard let text = headers.first(name: "content-length") else { return 0 }
        if let length = Int(text) { return length }
        return !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ? Int.max : 0
    }

    var expectsContinue: Bool {
        headers.first(name: "expect")?.lowercased() == "100-continue"
    }
}
