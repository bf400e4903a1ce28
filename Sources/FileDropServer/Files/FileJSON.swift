import FileDropAuth
import FileDropStorage

/// A file record as JSON, per SPEC: the same fields in the listing, `GET /files/ID`, the
/// upload's answer and `PATCH`'s. Times are RFC 3339 UTC; `expires_at` and `drop_id` are
/// null when the file never expires or came from no drop link.
enum FileJSON {
    static func record(_ file: FileRecord) -> String {
        "{\"id\":\(file.id),\"description\":\(JSONText.quoted(file.description)),"
            + "\"filename\":\(JSONText.quoted(file.filename)),\"content_type\":\(JSONText.quoted(file.contentType)),"
            + "\"size\":\(file.size),\"sha256\":\"\(file.sha256)\","
            + "\"created_at\":\"\(RFC3339.format(unixMilliseconds: file.createdAt))\","
            + "\"uploaded_by\":\(JSONText.quoted(file.uploadedBy)),"
            + "\"expires_at\":\(file.expiresAt.map { "\"\(RFC3339.format(unixMilliseconds: $0))\"" } ?? "null"),"
            + "\"downloads\":\(file.downloads),"
            + "\"drop_id\":\(file.dropID.map { String($0) } ?? "null")}"
    }
}
