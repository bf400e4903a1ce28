/// A search over descriptions and file names, per SPEC "File lifetime, editing, search and
/// quotas": the text is split into words at anything that is not a letter or a digit, and a
/// file matches when every word is the prefix of a word of its description or file name,
/// compared after case folding and with diacritics removed (`uber` finds `Über`).
///
/// The comparing is done by SQLite's FTS5 (`files_search`, tokenizer `unicode61
/// remove_diacritics 2`); this type only turns what a user typed into an FTS5 query that
/// means exactly that. Each word becomes a quoted prefix phrase (`"word"*`), joined by spaces
/// (FTS5's implicit AND), so nothing typed can act as query syntax: `"`, `*`, `:`, `(`, `^`
/// and `-` are not letters and split words; `OR`, `AND`, `NOT` and `NEAR` stay words inside
/// their quotes. Marks (U+0300 and the like) stay inside their word as the tokenizer keeps
/// them, so text in decomposed form (NFD) finds the same files.
///
/// Not done here: stemming, ranking (results stay newest first), word segmentation for
/// scripts written without spaces (a prefix of the run of characters still matches), and
/// diacritics outside the Latin script (unicode61 folds Latin only: `σίσυφος` is found by
/// `σίσυφος`, not by `σισυφος`).
public struct FileSearch: Sendable, Equatable {
    /// Longest search text, in Unicode scalars: a search is a few words, never a document.
    public static let maxLength = 200
    /// Most words in one search: each is one more index lookup.
    public static let maxWords = 16

    public enum Problem: Error, Equatable, Sendable {
        case tooLong
        case tooManyWords
    }

    /// The words searched for, in the order typed; empty when the text has none (every
    /// file matches).
    public let words: [String]

    public init(_ text: String) throws(Problem) {
        guard text.unicodeScalars.count <= Self.maxLength else { throw .tooLong }
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var hasLetterOrDigit = false
        func endWord() {
            if hasLetterOrDigit { words.append(String(word)) }
            word = String.UnicodeScalarView()
            hasLetterOrDigit = false
        }
        for scalar in text.unicodeScalars {
            switch Self.kind(of: scalar) {
            case .letterOrDigit:
                word.append(scalar)
                hasLetterOrDigit = true
            case .mark:
                word.append(scalar)
            case .separator:
                endWord()
            }
        }
        endWord()
        guard words.count <= Self.maxWords else { throw .tooManyWords }
        self.words = words
    }

    /// No words: the search matches every file.
    public var isEmpty: Bool { words.isEmpty }

    /// The words as one line, lowercased, for telling searches apart (a listing cursor is
    /// bound to it): `Report` and `report` find the same files, so they are the same search.
    public var canonicalText: String { words.joined(separator: " ").lowercased() }

    /// The FTS5 query: every word a quoted prefix phrase, all required.
    public var matchExpression: String {
        words.map { "\"" + $0.replacing("\"", with: "\"\"") + "\"*" }.joined(separator: " ")
    }

    private enum Kind {
        case letterOrDigit, mark, separator
    }

    /// The tokenizer's classes: letters, numbers and private-use characters are word
    /// characters (unicode61's default `L* N* Co`); combining marks belong to the word they
    /// follow; everything else (spaces, punctuation, symbols) separates words.
    private static func kind(of scalar: Unicode.Scalar) -> Kind {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return .letterOrDigit
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return .mark
        default:
            return .separator
        }
    }
}
