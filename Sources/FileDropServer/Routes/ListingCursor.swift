import FileDropAuth
import FileDropStorage

/// The opaque `next_cursor` of `GET /files`: the last record's position, signed with a key
/// derived from the server's secret, so a cursor the server did not issue is refused.
///
/// The signature also covers the search the page belongs to (its words, as `FileSearch`
/// reads them), so a cursor from one search is refused for another rather than paging
/// through a different list from a position that means nothing there. Without a search the
/// signed text is the position alone.
enum ListingCursor {
    static func encode(_ record: FileRecord, key: [UInt8], search: FileSearch? = nil) -> String {
        let position = Array("\(record.createdAt).\(record.id)".utf8)
        return Base64URL.encode(position) + "." + Base64URL.encode(tag(position, key: key, search: search))
    }

    static func decode(_ text: String, key: [UInt8], search: FileSearch? = nil) -> FileCursor? {
        let parts = text.split(ascii: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let positionBytes = Base64URL.decode(parts[0]), let tag = Base64URL.decode(parts[1]) else {
            return nil
        }
        let expected = Self.tag(positionBytes, key: key, search: search)
        guard Crypto.constantTimeEqual(tag, expected), let position = String(validating: positionBytes, as: UTF8.self) else {
            return nil
        }
        let numbers = position.split(ascii: ".")
        guard numbers.count == 2, let createdAt = Int64(numbers[0]), let id = Int64(numbers[1]) else { return nil }
        return FileCursor(createdAt: createdAt, id: id)
    }

    private static func tag(_ position: [UInt8], key: [UInt8], search: FileSearch?) -> [UInt8] {
        var message = position
        if let search, !search.isEmpty {
            // A newline cannot occur in the position, so position and words cannot be confused.
            message += Array("\n\(search.canonicalText)".utf8)
        }
        return Array(Crypto.hmacSHA256(key: key, message: message).prefix(12))
    }
}
