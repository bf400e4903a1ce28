import Testing

@testable import FileDropAuth

@Suite struct PassphraseCookieTests {
    private let cookies = PassphraseCookie(serverKey: Array(repeating: UInt8(0x61), count: 32))

    @Test func aCookieOpensItsLinkForAnHour() {
        let value = cookies.value(linkID: 7, now: 1000)
        #expect(cookies.opens(linkID: 7, value: value, now: 1000))
        #expect(cookies.opens(linkID: 7, value: value, now: 4599))
        #expect(!cookies.opens(linkID: 7, value: value, now: 4600))
    }

    @Test func aCookieOpensNoOtherLink() {
        let value = cookies.value(linkID: 7, now: 1000)
        #expect(!cookies.opens(linkID: 8, value: value, now: 1000))
        // Rewriting the id or the time breaks the signature.
        let parts = value.split(separator: ".")
        #expect(!cookies.opens(linkID: 8, value: "8.\(parts[1]).\(parts[2])", now: 1000))
        #expect(!cookies.opens(linkID: 7, value: "7.4000.\(parts[2])", now: 1000))
    }

    @Test func anotherServerKeyMakesOtherCookies() {
        let other = PassphraseCookie(serverKey: Array(repeating: UInt8(0x62), count: 32))
        #expect(!other.opens(linkID: 7, value: cookies.value(linkID: 7, now: 1000), now: 1000))
    }

    @Test(arguments: ["", "7", "7.4600", "7.4600.", "x.4600.abc", "7.4600.abc.def", "7.-1.abc"])
    func malformedValuesOpenNothing(value: String) {
        #expect(!cookies.opens(linkID: 7, value: value, now: 1000))
    }
}
