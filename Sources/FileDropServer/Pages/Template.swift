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
        while let open = rest.range(of: "{{") {
            pieces.append(.text(String(rest[..<open.lowerBound])))
            let raw = rest[open.upperBound...].hasPrefix("{")
            let nameStart = raw ? rest.index(after: open.upperBound) : open.upperBound
            let closing = raw ? "}}}" : "}}"
            guard let close = rest[nameStart...].range(of: closing) else {
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

extension Substring {
    /// The first range of `needle`, searched by UTF-8 bytes.
    func range(of needle: String) -> Range<Index>? {
        let needleBytes = Array(needle.utf8)
        var index = startIndex
        while index < endIndex {
            if self[index...].utf8.starts(with: needleBytes) {
                return index..<self.utf8.index(index, offsetBy: needleBytes.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
