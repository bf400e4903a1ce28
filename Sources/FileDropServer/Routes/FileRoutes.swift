import FileDropAuth
import FileDropStorage
import NIOCore
import NIOHTTP1

/// The files API: `GET /files`, `GET /files/ID`, `GET|HEAD /files/ID/content`, `DELETE /files/ID`.
struct FileRoutes {
    static let defaultLimit = 100
    static let maximumLimit = 1000

    let eventLoop: EventLoop
    let storage: any StorageAccess
    /// Signs listing cursors, so that only cursors this server issued are accepted.
    let cursorKey: [UInt8]

    func list(_ request: Request) -> EventLoopFuture<Response> {
        var limit = Self.defaultLimit
        if let text = request.queryValue("limit") {
            guard let value = Int(text), (1...Self.maximumLimit).contains(value) else {
                return eventLoop.makeSucceededFuture(.message(.badRequest, "limit must be an integer from 1 to \(Self.maximumLimit)"))
            }
            limit = value
        }
        var cursor: FileCursor?
        if let text = request.queryValue("cursor") {
            guard let decoded = ListingCursor.decode(text, key: cursorKey) else {
                return eventLoop.makeSucceededFuture(.message(.badRequest, "cursor is not one this server issued"))
            }
            cursor = decoded
        }
        let (pageSize, after, cursorKey) = (limit, cursor, cursorKey)
        return storage.run { storage in
            try storage.files.list(limit: pageSize + 1, after: after)
        }.map { files in
            let page = files.prefix(pageSize)
            let next = files.count > pageSize ? page.last.map { JSONText.quoted(ListingCursor.encode($0, key: cursorKey)) } : nil
            let records = page.map(FileJSON.record).joined(separator: ",")
            return .json(.ok, "{\"files\":[\(records)],\"next_cursor\":\(next ?? "null")}")
        }
    }

    func record(id: Int64) -> EventLoopFuture<Response> {
        storage.run { storage in try storage.files.record(id: id) }.map { record in
            guard let record else { return .message(.notFound, "No file with id \(id)") }
            return .json(.ok, FileJSON.record(record))
        }
    }

    func delete(id: Int64) -> EventLoopFuture<Response> {
        storage.run { storage in try storage.files.delete(id: id) }.map { deleted in
            deleted ? Response(status: .noContent) : .message(.notFound, "No file with id \(id)")
        }
    }

    func content(id: Int64, request: Request) -> EventLoopFuture<Response> {
        storage.run { storage in try storage.files.record(id: id) }.map { record in
            guard let record else { return .message(.notFound, "No file with id \(id)") }
            return Self.contentResponse(record, request: request)
        }
    }

    /// The headers and range of a download (RFC 9110 §14, RFC 6266).
    static func contentResponse(_ record: FileRecord, request: Request) -> Response {
        let etag = "\"\(record.sha256)\""
        var headers = HTTPHeaders()
        headers.add(name: "ETag", value: etag)
        headers.add(name: "Accept-Ranges", value: "bytes")
        headers.add(name: "Cache-Control", value: "private, no-cache")
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        headers.add(name: "Content-Security-Policy", value: "sandbox")
        if Conditional.matches(ifNoneMatch: request.headers.first(name: "if-none-match"), etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers.add(name: "Content-Type", value: safeContentType(record.contentType))
        headers.add(name: "Content-Disposition", value: ContentDisposition.attachment(filename: record.filename))

        var range = ByteRange.Selection.whole
        let ifRange = request.headers.first(name: "if-range")
        if let header = request.headers.first(name: "range"), ifRange == nil || ifRange == etag {
            range = ByteRange.select(header, size: record.size)
        }
        switch range {
        case .whole:
            return Response(status: .ok, headers: headers, body: .download(Download(record: record, start: 0, length: record.size)))
        case .partial(let start, let length):
            headers.add(name: "Content-Range", value: "bytes \(start)-\(start + length - 1)/\(record.size)")
            return Response(
                status: .partialContent, headers: headers, body: .download(Download(record: record, start: start, length: length))
            )
        case .unsatisfiable:
            var response = Response.message(.rangeNotSatisfiable, "Range not satisfiable")
            response.headers.add(name: "Content-Range", value: "bytes */\(record.size)")
            return response
        }
    }

    /// The stored type, unless it could break the header (then a neutral one).
    static func safeContentType(_ value: String) -> String {
        let safe = !value.isEmpty && value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        return safe ? value : "application/octet-stream"
    }
}

/// A file record as JSON, per SPEC.
enum FileJSON {
    static func record(_ file: FileRecord) -> String {
        "{\"id\":\(file.id),\"description\":\(JSONText.quoted(file.description)),"
            + "\"filename\":\(JSONText.quoted(file.filename)),\"content_type\":\(JSONText.quoted(file.contentType)),"
            + "\"size\":\(file.size),\"sha256\":\"\(file.sha256)\","
            + "\"created_at\":\"\(RFC3339.format(unixMilliseconds: file.createdAt))\","
            + "\"uploaded_by\":\(JSONText.quoted(file.uploadedBy)),"
            + "\"downloads\":\(file.downloads),\"drop_id\":\(file.dropID.map(String.init) ?? "null")}"
    }
}

/// What a guest who sent a file through a drop link learns of it: what it sent and what the
/// server made of it (cleaned name, digest, time), not the id or fields of the shared store.
enum GuestFileJSON {
    static func record(_ file: FileRecord) -> String {
        "{\"description\":\(JSONText.quoted(file.description)),\"filename\":\(JSONText.quoted(file.filename)),"
            + "\"content_type\":\(JSONText.quoted(file.contentType)),\"size\":\(file.size),\"sha256\":\"\(file.sha256)\","
            + "\"created_at\":\"\(RFC3339.format(unixMilliseconds: file.createdAt))\"}"
    }
}

/// `Content-Disposition: attachment` with an ASCII fallback `filename` and the exact name in
/// `filename*` (RFC 6266 §4.3, RFC 8187).
enum ContentDisposition {
    static func attachment(filename: String) -> String {
        let fallback = String(
            filename.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\" && scalar.value != 0x7F
                    ? Character(scalar) : "_"
            }
        )
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(Escaping.percentEncode(filename))"
    }
}
