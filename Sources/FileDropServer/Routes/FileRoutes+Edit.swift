import FileDropStorage
import NIOCore

extension FileRoutes {
    /// Media types a `PATCH` body may declare (JSON Merge Patch, RFC 7396, is what it is);
    /// a body without `Content-Type` is read as JSON too.
    static let editMediaTypes: Set<String> = ["application/json", "application/merge-patch+json"]

    /// `PATCH /files/ID`: changes the description and/or the expiry, answers 200 with the
    /// record. 400 for a body `FileEditRequest` refuses or an expiry past `--max-file-ttl`,
    /// 404 for an unknown or expired file, 409 when another file has the description. A time
    /// in the past is taken: the file expires at once (the answer still shows it).
    func edit(id: Int64, request: Request, body: ByteBuffer) -> EventLoopFuture<Response> {
        if let type = request.mediaType, !Self.editMediaTypes.contains(type) {
            return eventLoop.makeSucceededFuture(.message(.unsupportedMediaType, "Send a JSON object (Content-Type: application/json)"))
        }
        let edit: FileEditRequest
        switch FileEditRequest.parse(Array(body.readableBytesView)) {
        case .success(let parsed): edit = parsed
        case .failure(let problem): return eventLoop.makeSucceededFuture(.message(.badRequest, problem.message))
        }
        let now = clock.unixMilliseconds
        var changes = FileChanges(description: edit.description)
        if let asked = edit.expiresAt {
            let time: Int64?
            switch asked {
            case .never: time = nil
            case .at(let value): time = value
            }
            switch lifetime.change(expiresAt: time, now: now) {
            case .success(let expiry): changes.expiry = expiry
            case .failure(let problem): return eventLoop.makeSucceededFuture(.message(.badRequest, problem.message))
            }
        }
        let update = changes
        return storage.run { storage in
            try storage.files.update(id: id, changes: update, now: now)
        }.map { record in
            Response.json(.ok, FileJSON.record(record))
        }.flatMapErrorThrowing { error in
            switch error as? FileStoreError {
            case .notFound?: return .message(.notFound, "No file with id \(id)")
            case .duplicateDescription?: return .message(.conflict, "A file with this description already exists")
            default: throw error
            }
        }
    }
}
