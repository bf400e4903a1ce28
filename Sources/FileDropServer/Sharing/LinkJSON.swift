import FileDropAuth
import FileDropStorage

/// Links as JSON, with exactly the fields of SPEC "Sharing" (times RFC 3339 UTC, limits null
/// when there are none). The URL is a path (`/s/TOKEN`): the server may sit behind a proxy
/// under another name, and the page makes it absolute with its own origin.
enum LinkJSON {
    static func shareLink(_ link: ShareLinkRecord, token: String) -> String {
        "{\"id\":\(link.id),\"url\":\(JSONText.quoted("/s/" + token)),"
            + "\"expires_at\":\"\(RFC3339.format(unixMilliseconds: link.expiresAt))\","
            + "\"max_downloads\":\(number(link.maxDownloads)),\"downloads\":\(link.downloads),"
            + "\"has_passphrase\":\(link.passphraseHash != nil),\"created_by\":\(JSONText.quoted(link.createdBy)),"
            + "\"created_at\":\"\(RFC3339.format(unixMilliseconds: link.createdAt))\"}"
    }

    static func dropLink(_ link: DropLinkRecord, token: String) -> String {
        "{\"id\":\(link.id),\"url\":\(JSONText.quoted("/d/" + token)),\"label\":\(JSONText.quoted(link.label)),"
            + "\"expires_at\":\"\(RFC3339.format(unixMilliseconds: link.expiresAt))\","
            + "\"max_files\":\(number(link.maxFiles)),\"max_bytes\":\(number(link.maxBytes)),"
            + "\"files\":\(link.files),\"bytes\":\(link.bytes),\"created_by\":\(JSONText.quoted(link.createdBy)),"
            + "\"created_at\":\"\(RFC3339.format(unixMilliseconds: link.createdAt))\"}"
    }

    private static func number(_ value: Int64?) -> String {
        value.map(String.init) ?? "null"
    }
}
