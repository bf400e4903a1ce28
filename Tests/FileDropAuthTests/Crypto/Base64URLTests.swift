import Testing

@testable import FileDropAuth

@Test(arguments: [
    ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"),
    ("foobar", "Zm9vYmFy"),
])
func base64URLMatchesRFC4648Vectors(plain: String, encoded: String) {
    #expect(Base64URL.encode(plain.utf8) == encoded)
    #expect(Base64URL.decode(Substring(encoded)) == Array(plain.utf8))
}

@Test func base64URLUsesTheURLSafeAlphabet() {
    #expect(Base64URL.encode([0xfb, 0xff, 0xbf]) == "-_-_")
    #expect(Base64URL.decode("-_-_") == [0xfb, 0xff, 0xbf])
}

@Test func base64URLRoundTripsEveryLength() {
    for length in 0...70 {
        let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 13) }
        let text = Base64URL.encode(data)
        #expect(!text.contains("="))
        #expect(Base64URL.decode(Substring(text)) == data)
    }
}

@Test(arguments: [
    "Zg==",  // padding
    "Zm8=",  // padding
    "+/+/",  // standard alphabet
    "Zm9v\n",  // whitespace
    "Zm 9v",  // whitespace
    "Z",  // a dangling character
    "Zm9vY",  // a dangling character after a full group
    "Zh",  // non-zero trailing bits ("Zg" is canonical)
    "Zm9",  // non-zero trailing bits ("Zm8" is canonical)
    "Zm9v.",  // outside the alphabet
    "Zm9vé",  // non-ASCII
])
func base64URLRejectsNonCanonicalText(_ text: String) {
    #expect(Base64URL.decode(Substring(text)) == nil)
}

@Test func standardBase64UsesPlusAndSlash() {
    #expect(Base64Codec.standard.encode([0xfb, 0xff, 0xbf]) == "+/+/")
    #expect(Base64Codec.standard.decode("+/+/".utf8) == [0xfb, 0xff, 0xbf])
    #expect(Base64Codec.standard.decode("-_-_".utf8) == nil)
}
