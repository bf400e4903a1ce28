import Testing

@testable import FileDropStorage

/// What a typed search becomes: words split at anything not a letter or digit, each a quoted
/// FTS5 prefix phrase, so nothing a user types can act as query syntax.
@Suite struct FileSearchTests {
    @Test(arguments: [
        ("", [String]()),
        ("   ", []),
        ("report", ["report"]),
        ("  Q3   report ", ["Q3", "report"]),
        ("naïve_file-name.PDF", ["naïve", "file", "name", "PDF"]),
        ("\"quoted\" OR *star* NEAR(a b) col:x ^y -z", ["quoted", "OR", "star", "NEAR", "a", "b", "col", "x", "y", "z"]),
        ("x²y", ["x²y"]),
        ("日本語", ["日本語"]),
        ("€5 + $6", ["5", "6"]),
        ("U\u{308}ber", ["U\u{308}ber"]),  // decomposed: the mark stays in its word
        ("\u{301} a", ["a"]),  // a lone mark is no word
        ("it's", ["it", "s"]),
    ])
    func wordsAreSplitAtAnythingButLettersAndDigits(text: String, words: [String]) throws {
        #expect(try FileSearch(text).words == words)
    }

    @Test func theQueryQuotesEveryWordAsAPrefix() throws {
        #expect(try FileSearch("Q3 report").matchExpression == "\"Q3\"* \"report\"*")
        #expect(try FileSearch("a OR b").matchExpression == "\"a\"* \"OR\"* \"b\"*")
        #expect(try FileSearch("").matchExpression == "")
        #expect(try FileSearch("A \"b").canonicalText == "a b")
    }

    @Test func limitsAreEnforced() throws {
        #expect(throws: FileSearch.Problem.tooLong) { try FileSearch(String(repeating: "a", count: FileSearch.maxLength + 1)) }
        #expect(try FileSearch(String(repeating: "a", count: FileSearch.maxLength)).words.count == 1)
        let many = (0...FileSearch.maxWords).map { "w\($0)" }.joined(separator: " ")
        #expect(throws: FileSearch.Problem.tooManyWords) { try FileSearch(many) }
        let enough = (1...FileSearch.maxWords).map { "w\($0)" }.joined(separator: " ")
        #expect(try FileSearch(enough).words.count == FileSearch.maxWords)
    }
}
