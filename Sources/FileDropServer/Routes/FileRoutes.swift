import FileDropAuth
import FileDropStorage
import NIOCore
import NIOHTTP1

/// The files API: `GET /files` (with `?q=` a search), `GET /files/ID`, `GET|HEAD
/// /files/ID/content`, `DELETE /files/ID`; `PATCH /files/ID` is in `FileRoutes+Edit.swift`.
///
/// A file is gone from its `expires_at` on: every query here passes the time, so an expired
/// file is 404 (and out of the listing) at once, before the sweep deletes its rows.
struct FileRoutes {
    static let defaultLimit = 100
    static let maximumLimit = 1000

    let eventLoop: EventLoop
    let storage: any StorageAccess
    /// The first page without a search or cursor, answered without a storage-thread hop.
    let listings: ListingCache
    /// Signs listing cursors, so that only cursors this server issued are accepted.
    let cursorKey: [UInt8]
    let lifetime: FileLifetime
    let space: SpaceGate
    let clock: WallClock
    /// Told after a delete, so that the file's space comes back soon (in the background).
    let maintenance: MaintenanceScheduler

    func list(_ request: Request) -> EventLoopFuture<Response> {
        var limit = Self.defaultLimit
        if let text = request.queryValue("limit") {
            guard let value = Int(text), (1...Self.maximumLimit).contains(value) else {
                return eventLoop.makeSucceededFuture(.message(.badRequest, "limit must be an integer from 1 to \(Self.maximumLimit)"))
            }
            limit = value
        }
        let search: FileSearch
        switch Self.search(request) {
        case .success(let parsed): search = parsed
        case .failure(let problem): return eventLoop.makeSucceededFuture(.message(.badRequest, Self.message(problem)))
        }
        var cursor: FileCursor?
        if let text = request.queryValue("cursor") {
            guard let decoded = ListingCursor.decode(text, key: cursorKey, search: search) else {
                return eventLoop.makeSucceededFuture(.message(.badRequest, "cursor is not one this server issued for this search"))
            }
            cursor = decoded
        }
        let (pageSize, after, cursorKey, now) = (limit, cursor, cursorKey, clock.unixMilliseconds)
        let files: EventLoopFuture<(files: [FileRecord], generation: UInt64?)>
        if cursor == nil && search.isEmpty {
            if let body = listings.body(limit: pageSize + 1, variant: "json", figures: nil, now: now) {
                return eventLoop.makeSucceededFuture(.json(.ok, body))
            }
            files = listings.firstFiles(limit: pageSize + 1, now: now, storage: storage, eventLoop: eventLoop).map {
                ($0.files, $0.generation)
            }
        } else {
            files = storage.run { storage in
                (try storage.files.list(limit: pageSize + 1, after: after, now: now, search: search), nil)
            }
        }
        return files.assumeIsolated().map { files, generation in
            // Requests that waited for the same read: the first renders, the others find it.
            if generation != nil, let body = self.listings.body(limit: pageSize + 1, variant: "json", figures: nil, now: now) {
                return Response.json(.ok, body)
            }
            let page = files.prefix(pageSize)
            let next =
                files.count > pageSize ? page.last.map { JSONText.quoted(ListingCursor.encode($0, key: cursorKey, search: search)) } : nil
            let records = page.map(FileJSON.record).joined(separator: ",")
            let body = ByteBuffer(string: "{\"files\":[\(records)],\"next_cursor\":\(next ?? "null")}")
            if let generation {
                self.listings.store(body: body, limit: pageSize + 1, variant: "json", figures: nil, generation: generation)
            }
            return Response.json(.ok, body)
        }.nonisolated()
    }

    /// The `q` parameter as a search (absent or empty: every file).
    static func search(_ request: Request) -> Result<FileSearch, FileSearch.Problem> {
        do throws(FileSearch.Problem) {
            return .success(try FileSearch(request.queryValue("q") ?? ""))
        } catch {
            return .failure(error)
        }
    }

    static func message(_ problem: FileSearch.Problem) -> String {
        switch problem {
        case .tooLong: "q is too long (\(FileSearch.maxLength) characters at most)"
        case .tooManyWords: "q has too many words (\(FileSearch.maxWords) at most)"
        }
    }

    func record(id: Int64) -> EventLoopFuture<Response> {
        let now = clock.unixMilliseconds
        return storage.run { storage in try storage.files.record(id: id, now: now) }.map { record in
            guard let record else { return .message(.notFound, "No file with id \(id)") }
            return .json(.ok, FileJSON.record(record))
        }
    }

    /// Answers once the row is marked deleted (one small commit); the chunks are freed and
    /// the space given back afterwards by the maintenance task, and a failure there is
    /// retried later, never reported to this request.
    func delete(id: Int64) -> EventLoopFuture<Response> {
        let (now, maintenance) = (clock.unixMilliseconds, self.maintenance)
        return storage.run { storage in try storage.files.delete(id: id, now: now) }.assumeIsolated().map { deleted in
            guard let deleted else { return Response.message(.notFound, "No file with id \(id)") }
            self.space.removeStored([deleted])
            maintenance.wake(StorageMaintenance.reclaimName)
            return Response(status: .noContent)
        }.nonisolated()
    }

    func content(id: Int64, request: Request) -> EventLoopFuture<Response> {
        let now = clock.unixMilliseconds
        return storage.run { storage in try storage.files.record(id: id, now: now) }.map { record in
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
