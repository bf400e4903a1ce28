import Testing

@testable import FileDropServer

/// Addresses and CIDR ranges as `--trusted-proxy` and the forwarding headers give them.
@Suite struct IPAddressTests {
    @Test(arguments: [
        ("192.0.2.1", "192.0.2.1"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
        ("::", "::"), ("::1", "::1"), ("2001:DB8::1", "2001:db8::1"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"), ("1::", "1::"), ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::ffff:192.0.2.1", "192.0.2.1"), ("::FFFF:c000:0201", "192.0.2.1"), ("64:ff9b::192.0.2.1", "64:ff9b::c000:201"),
        ("fe80::1:0:0:0", "fe80::1:0:0:0"), ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
    ])
    func validAddressesRoundTripInCanonicalForm(text: String, canonical: String) {
        #expect(IPAddress(text)?.description == canonical)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "+1.2.3.4", " 1.2.3.4", "1.2.3.4 ", "1..3.4",
        ":", ":::", "1:::2", "1::2::3", "12345::", "g::1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8::", "fe80::1%eth0", "[::1]", "::1.2.3.4.5", "1.2.3.4::", "localhost", "::ffff:256.0.0.1",
    ])
    func junkIsRefused(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func loopbackAndRateLimitKeys() {
        #expect(IPAddress("127.8.9.10")!.isLoopback)
        #expect(IPAddress("::1")!.isLoopback)
        #expect(IPAddress("::ffff:127.0.0.1")!.isLoopback)
        #expect(!IPAddress("128.0.0.1")!.isLoopback)
        #expect(!IPAddress("::2")!.isLoopback)
        #expect(IPAddress("192.0.2.1")!.rateLimitKey == "192.0.2.1")
        // One host usually holds a whole /64.
        #expect(IPAddress("2001:db8:1:2:3:4:5:6")!.rateLimitKey == "2001:db8:1:2::/64")
        #expect(IPAddress("2001:db8:1:2::ffff")!.rateLimitKey == IPAddress("2001:db8:1:2:aaaa::1")!.rateLimitKey)
    }

    @Test(arguments: [
        ("10.0.0.0/8", "10.0.0.0/8"), ("192.0.2.7", "192.0.2.7/32"), ("0.0.0.0/0", "0.0.0.0/0"), ("::1", "::1/128"),
        ("2001:db8::/32", "2001:db8::/32"), ("::/0", "::/0"), ("::ffff:10.0.0.0/104", "10.0.0.0/8"),
        ("2001:db8:0:1::/64", "2001:db8:0:1::/64"), ("2001:db8::8000:0:0:0/65", "2001:db8:0:0:8000::/65"),
    ])
    func rangesParse(text: String, canonical: String) throws {
        #expect(try AddressRange(parsing: text).description == canonical)
    }

    @Test(arguments: [
        ("10.0.0.1/8", "did you mean 10.0.0.0/8?"), ("10.0.0.0/33", "bad prefix length: give /0 to /32"),
        ("10.0.0.0/08", "bad prefix length"), ("10.0.0.0/", "bad prefix length"), ("10.0.0.0/-1", "bad prefix length"),
        ("2001:db8::/129", "give /0 to /128"), ("2001:db8::1/32", "did you mean 2001:db8::/32?"),
        ("proxy.example", "host names are not accepted"), ("10.0.0.0/8/8", "bad prefix length"),
        ("::ffff:10.0.0.0/95", "IPv4-mapped"),
    ])
    func badRangesSayWhatIsWrong(text: String, reason: String) {
        do {
            _ = try AddressRange(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
            #expect(error.description.contains("'\(text)'"))
        }
    }

    @Test func rangesContainTheirAddressesOnly() throws {
        let v4 = try AddressRange(parsing: "10.1.0.0/16")
        #expect(v4.contains(IPAddress("10.1.255.255")!))
        #expect(!v4.contains(IPAddress("10.2.0.0")!))
        #expect(v4.contains(IPAddress("::ffff:10.1.2.3")!))
        #expect(!v4.contains(IPAddress("2001:db8::1")!))
        let v6 = try AddressRange(parsing: "2001:db8:0:1::/64")
        #expect(v6.contains(IPAddress("2001:db8:0:1:ffff:ffff:ffff:ffff")!))
        #expect(!v6.contains(IPAddress("2001:db8:0:2::")!))
        #expect(!v6.contains(IPAddress("10.1.2.3")!))
        #expect(try AddressRange(parsing: "0.0.0.0/0").contains(IPAddress("203.0.113.9")!))
        let odd = try AddressRange(parsing: "2001:db8::/63")
        #expect(odd.contains(IPAddress("2001:db8:0:1::5")!))
        #expect(!odd.contains(IPAddress("2001:db8:0:2::5")!))
    }
}
