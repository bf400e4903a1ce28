import Testing

@testable import FileDropAuth

private func parse(_ text: String) -> JSONValue? {
    try? JSONParser.parse(Array(text.utf8))
}

@Test func parsesTheValuesOfRFC8259() throws {
    let value = parse(#" {"a":[1,-2.5e3,true,false,null,"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"],"b":{}} "#)
    guard case .object(let object) = value, case .array(let array) = object["a"] else {
        Issue.record("not parsed: \(String(describing: value))")
        return
    }
    #expect(array.count == 6)
    #expect(array[0] == .number(JSONNumber(text: "1", double: 1)))
    #expect(array[1] == .number(JSONNumber(text: "-2.5e3", double: -2500)))
    #expect(array[2] == .bool(true))
    #expect(array[4] == .null)
    #expect(array[5] == .string("x\"\\/\u{8}\u{c}\n\r\té😀"))
    #expect(object["b"] == .object([:]))
}

@Test func integerNumbersAreExact() {
    #expect(JSONNumber(text: "9007199254740993", double: 9_007_199_254_740_992).int64 == 9_007_199_254_740_993)
    #expect(JSONNumber(text: "1.0", double: 1).int64 == nil)
    #expect(JSONNumber(text: "1e3", double: 1000).int64 == nil)
    #expect(JSONNumber(text: "99999999999999999999", double: 1e20).int64 == nil)
}

@Test(arguments: [
    "", " ", "{", "}", "{\"a\":1,}", "[1,]", "{\"a\" 1}", "{'a':1}", "{\"a\":1}x", "{\"a\":1}{}",
    "\u{FEFF}{}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":1e}", "{\"a\":NaN}",
    "{\"a\":Infinity}", "{\"a\":1e400}", "{\"a\":tru}", "{\"a\":\"\u{1}\"}", "{\"a\":\"\\x\"}",
    "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"\\u12\"}",
    "{\"a\":1,\"a\":2}", "// c\n{}", "{\"a\":\"unterminated}",
    String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
])
func rejectsWhatRFC8259AndRFC7515Forbid(_ text: String) {
    #expect(parse(text) == nil)
}

@Test func rejectsInvalidUTF8InStrings() {
    #expect((try? JSONParser.parse([0x22, 0xC3, 0x28, 0x22])) == nil)
    #expect((try? JSONParser.parse([0x22, 0xC3, 0xA9, 0x22])) == .string("é"))
}

@Test func quotingEscapesWhatJSONRequires() {
    #expect(JSONText.quoted("a\"b\\c\nd\u{1}é") == #""a\"b\\c\nd\u0001é""#)
    for text in ["", "plain", "\u{0}\u{1f}\"\\", "日本語 😀"] {
        #expect(parse(JSONText.quoted(text)) == .string(text))
    }
}
