import FileDropAuth
import Testing

@Test(arguments: [
    ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
    ("foobar", "Zm9vYmFy"),
])
func base64MatchesRFC4648VectorsPaddedOrNot(plain: String, encoded: String) {
    #expect(Base64.encode(plain.utf8) == encoded)
    #expect(Base64.decode(encoded) == Array(plain.utf8))
    #expect(Base64.decode(encoded.filter { $0 != "=" }) == Array(plain.utf8))
}

@Test func base64UsesTheStandardAlphabet() {
    #expect(Base64.encode([0xfb, 0xff, 0xbf]) == "+/+/")
    #expect(Base64.decode("+/+/") == [0xfb, 0xff, 0xbf])
}

@Test(arguments: [
    "Zg=",  // padding that does not make a multiple of four
    "Zg===",  // too much padding
    "Zm9v====",
    "Z=g=",  // padding inside
    "Zh==",  // non-zero unused bits
    "-_-_",  // the URL-safe alphabet
    "Zm9v YmFy",  // whitespace
    "Z",  // a dangling character
])
func base64RefusesNonCanonicalText(text: String) {
    #expect(Base64.decode(text) == nil)
}
