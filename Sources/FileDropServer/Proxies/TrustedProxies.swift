import NIOHTTP1

/// Where a request comes from, as far as the server can tell.
struct ClientOrigin: Equatable, Sendable {
    /// The client's address: the peer's, or the one trusted proxies forwarded for.
    var address: IPAddress?
    /// A trusted proxy said the client reached it over https.
    var viaHTTPS = false
    /// The peer is a trusted proxy (which may forward any `Host`).
    var throughTrustedProxy = false

    /// The address as the access log shows it.
    var text: String { address?.description ?? "-" }
}

/// What a request keeps of its client's address: its text for the log, and the key failed
/// logins are counted under. A connection makes its peer's once.
struct ClientTexts: Sendable {
    let address: String
    let rateLimitKey: String

    init(_ origin: ClientOrigin) {
        address = origin.text
        rateLimitKey = origin.address?.rateLimitKey ?? origin.text
    }
}

/// `--trusted-proxy`: the reverse proxies whose forwarding headers are believed (SPEC
/// "Operations"). Only for a peer in these ranges are `X-Forwarded-For`/`Forwarded` and
/// `X-Forwarded-Proto` read, for rate limiting, logs and the cookie's `Secure` flag; anyone
/// else can write those headers, so from anyone else they are ignored.
///
/// The client is the rightmost forwarded address that is not itself trusted: each proxy
/// appends the address it saw, so everything left of the first untrusted address (walking
/// from us outwards) was written by someone we do not trust. A hop without a usable address
/// (`unknown`, junk) stops the walk at the last trusted address; a chain of trusted proxies
/// only gives its furthest one.
struct TrustedProxies: Equatable, Sendable {
    let ranges: [AddressRange]

    func contains(_ address: IPAddress) -> Bool {
        ranges.contains { $0.contains(address) }
    }

    func origin(peer: IPAddress?, headers: HTTPHeaders) -> ClientOrigin {
        guard let peer, !ranges.isEmpty, contains(peer) else { return ClientOrigin(address: peer) }
        var client = peer
        let hops = ForwardedHeaders.hops(headers)
        // A proxy that forwards no address may still say how the client reached it.
        var proto = hops.isEmpty ? ForwardedHeaders.forwardedProto(headers) : nil
        for hop in hops.reversed() {
            proto = hop.proto ?? proto
            guard let address = hop.address else { break }
            client = address
            if !contains(address) { break }
        }
        return ClientOrigin(address: client, viaHTTPS: proto == "https", throughTrustedProxy: true)
    }
}
