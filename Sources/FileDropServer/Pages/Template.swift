/// Fills `Assets/templates/` files: `{{name}}` takes an HTML-escaped value, `{{{name}}}` a
/// value that is already HTML (made by another template). There is nothing else: no logic
/// lives in templates.
struct Template {
    private enum Piece {
        case text(String)
        case escaped(String)
        case raw(String)
    }

    private let pieces: [Piece]

    init(_ source: String) {
        var pieces: [Piece] = []
        var rest = Substring(source)
        // Searched on UTF-8 bytes, not `Character`s: compared as Characters, a `{{` or `}}`
        // followed by a combining mark (one grapheme cluster with the brace) would not match.
        // The braces are ASCII, so every index found here is a Unicode scalar boundary, and
        // slicing there is well defined.
        while let open = rest.utf8.firstRange(of: "{{".utf8) {
            pieces.append(.text(String(rest[..<open.lowerBound])))
            let raw = rest.utf8[open.upperBound...].first == UInt8(ascii: "{")
            let nameStart = raw ? rest.utf8.index(after: open.upperBound) : open.upperBound
            let closing = raw ? "}}}" : "}}"
            guard let close = rest.utf8[nameStart...].firstRange(of: closing.utf8) else {
                rest = rest[open.lowerBound...]
                break
            }
            let name = String(rest[nameStart..<close.lowerBound].trimmed)
            pieces.append(raw ? .raw(name) : .escaped(name))
            rest = rest[close.upperBound...]
        }
        pieces.append(.text(String(rest)))
        self.pieces = pieces
    }

    /// The compiled-in template `Assets/templates/NAME`, parsed once.
    static func named(_ name: String) -> Template {
        Template(StaticAssets.template(name))
    }

    func render(_ values: [String: String]) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .escaped(let name): out += Escaping.html(values[name] ?? "")
            case .raw(let name): out += values[name] ?? ""
            }
        }
        return out
    }
}
