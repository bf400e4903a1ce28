import NIOHTTP1
import Testing

@testable import FileDropServer

/// Who the client is behind `--trusted-proxy`: the forwarding headers, read as proxies write
/// them, and believed only from a trusted peer.
@Suite struct TrustedProxiesTests {
    private static let proxies = TrustedProxies(ranges: [
        try! AddressRange(parsing: "127.0.0.1"), try! AddressRange(parsing: "10.0.0.0/8"), try! AddressRange(parsing: "fd00::/8"),
    ])

    private static func origin(peer: String, _ headers: [(String, String)]) -> ClientOrigin {
        proxies.origin(peer: IPAddress(peer), headers: HTTPHeaders(headers))
    }

    @Test(
        arguments: [
            // X-Forwarded-For: the rightmost address that is not a trusted proxy.
            ([("X-Forwarded-For", "203.0.113.5")], "203.0.113.5"),
            ([("X-Forwarded-For", "198.51.100.1, 203.0.113.5")], "203.0.113.5"),
            ([("X-Forwarded-For", "198.51.100.1, 203.0.113.5, 10.0.0.2")], "203.0.113.5"),
            ([("X-Forwarded-For", "198.51.100.1"), ("X-Forwarded-For", "203.0.113.5, 10.9.9.9")], "203.0.113.5"),
            ([("X-Forwarded-For", "203.0.113.5:4711")], "203.0.113.5"),
            ([("X-Forwarded-For", "2001:db8::1")], "2001:db8::1"),
            ([("X-Forwarded-For", "[2001:db8::1]:4711")], "2001:db8::1"),
            ([("X-Forwarded-For", "  203.0.113.5  ")], "203.0.113.5"),
            // Only trusted hops: the furthest of them.
            ([("X-Forwarded-For", "10.0.0.7, 10.0.0.8")], "10.0.0.7"),
            // Junk stops the walk at the last trusted address.
            ([("X-Forwarded-For", "unknown")], "127.0.0.1"),
            ([("X-Forwarded-For", "203.0.113.5, garbage, 10.0.0.3")], "10.0.0.3"),
            ([("X-Forwarded-For", "203.0.113.5,")], "127.0.0.1"),
            ([("X-Forwarded-For", "1.2.3.4:99999")], "127.0.0.1"),
            ([("X-Forwarded-For", "<script>")], "127.0.0.1"),
            // Forwarded (RFC 7239), read only without X-Forwarded-For.
            ([("Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43")], "192.0.2.60"),
            ([("Forwarded", #"for="[2001:db8::1]:4711""#)], "2001:db8::1"),
            ([("Forwarded", #"For="[2001:db8:cafe::17]""#)], "2001:db8:cafe::17"),
            ([("Forwarded", "for=198.51.100.1, for=192.0.2.43;proto=https")], "192.0.2.43"),
            ([("Forwarded", "for=192.0.2.43, for=10.1.1.1")], "192.0.2.43"),
            ([("Forwarded", "for=unknown")], "127.0.0.1"),
            ([("Forwarded", "for=_hidden, for=192.0.2.1")], "192.0.2.1"),
            ([("Forwarded", #"for="_gazonk""#)], "127.0.0.1"),
            ([("Forwarded", "for=[2001:db8::1]")], "127.0.0.1"),
            ([("Forwarded", #"for="192.0.2.1;proto=https""#)], "127.0.0.1"),
            ([("Forwarded", #"for="192.0.2.1"#)], "127.0.0.1"),
            ([("Forwarded", "for=192.0.2.1"), ("X-Forwarded-For", "203.0.113.5")], "203.0.113.5"),
            ([("Forwarded", "by=10.0.0.1;for=192.0.2.9;host=example.com")], "192.0.2.9"),
            ([("Forwarded", "for=\"\\[2001:db8::1\\]\"")], "2001:db8::1"),
            // Nothing forwarded: the proxy is the client.
            ([], "127.0.0.1"),
        ] as [([(String, String)], String)])
    func theClientIsTheRightmostUntrustedAddress(headers: [(String, String)], client: String) {
        let origin = Self.origin(peer: "127.0.0.1", headers)
        #expect(origin.address?.description == client)
        #expect(origin.throughTrustedProxy)
    }

    @Test func anUntrustedPeerIsTheClientWhateverItSays() {
        let origin = Self.origin(peer: "203.0.113.9", [("X-Forwarded-For", "10.0.0.1"), ("X-Forwarded-Proto", "https")])
        #expect(origin == ClientOrigin(address: IPAddress("203.0.113.9")))
        #expect(
            TrustedProxies(ranges: []).origin(peer: IPAddress("127.0.0.1"), headers: ["X-Forwarded-For": "1.2.3.4"]).text == "127.0.0.1")
        #expect(TrustedProxies(ranges: []).origin(peer: nil, headers: [:]).text == "-")
    }

    @Test(
        arguments: [
            ([("X-Forwarded-For", "203.0.113.5"), ("X-Forwarded-Proto", "https")], true),
            ([("X-Forwarded-For", "203.0.113.5"), ("X-Forwarded-Proto", "HTTPS")], true),
            ([("X-Forwarded-For", "203.0.113.5"), ("X-Forwarded-Proto", "https, http")], false),
            ([("X-Forwarded-For", "203.0.113.5"), ("X-Forwarded-Proto", "http, https")], true),
            ([("X-Forwarded-For", "203.0.113.5")], false),
            ([("X-Forwarded-Proto", "https")], true),
            ([("Forwarded", "for=192.0.2.1;proto=https")], true),
            ([("Forwarded", "for=198.51.100.1;proto=https, for=192.0.2.1;proto=http")], false),
            ([("Forwarded", "for=unknown;proto=https")], true),
        ] as [([(String, String)], Bool)])
    func httpsIsWhatTheNearestProxySaw(headers: [(String, String)], https: Bool) {
        #expect(Self.origin(peer: "127.0.0.1", headers).viaHTTPS == https)
    }

    @Test func aForwardedIPv4MappedPeerIsItsIPv4Address() {
        let origin = Self.origin(peer: "::ffff:127.0.0.1", [("X-Forwarded-For", "203.0.113.5")])
        #expect(origin.text == "203.0.113.5")
    }
}
