import FileDropAuth
import FileDropStorage

/// The opaque `next_cursor` of `GET /files`: the last record's position, signed with a key
/// derived from the server's secret, so a cursor the server did not issue is refused.
enum ListingCursor {
    static func encode(_ record: FileRecord, key: [UInt8]) -> String {
        let position = "\(record.createdAt).\(record.id)"
        let tag = Crypto.hmacSHA256(key: key, message: Array(position.utf8)).prefix(12)
        return Base64URL.encode(Array(position.utf8)) + "." + Base64URL.encode(tag)
    }

    static func decode(_ text: String, key: [UInt8]) -> FileCursor? {
        let parts = text.split(ascii: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let positionBytes = Base64URL.decode(parts[0]), let tag = Base64URL.decode(parts[1]) else {
            return nil
        }
        let expected = Array(Crypto.hmacSHA256(key: key, message: positionBytes).prefix(12))
        guard Crypto.constantTimeEqual(tag, expected), let position = String(validating: positionBytes, as: UTF8.self) else {
            return nil
        }
        let numbers = position.split(ascii: ".")
        guard numbers.count == 2, let createdAt = Int64(numbers[0]), let id = Int64(numbers[1]) else { return nil }
        return FileCursor(createdAt: createdAt, id: id)
    }
}
