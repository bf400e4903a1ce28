import FileDropAuth
import FileDropStorage

/// What a guest who sent a file through a drop link learns of it: what it sent and what the
/// server made of it (cleaned name, digest, time), not the id or fields of the shared store.
enum GuestFileJSON {
    static func record(_ file: FileRecord) -> String {
        "{\"description\":\(JSONText.quoted(file.description)),\"filename\":\(JSONText.quoted(file.filename)),"
            + "\"content_type\":\(JSONText.quoted(file.contentType)),\"size\":\(file.size),\"sha256\":\"\(file.sha256)\","
            + "\"created_at\":\"\(RFC3339.format(unixMilliseconds: file.createdAt))\"}"
    }
}
