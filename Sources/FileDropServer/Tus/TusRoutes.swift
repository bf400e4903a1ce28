import FileDropAuth
import FileDropStorage
import Logging
import NIOCore
import NIOHTTP1

/// Where a tus collection is mounted and who owns what is made through it. The same routes
/// serve `/uploads` (a signed-in user, by token) and a drop link's `/d/TOKEN/uploads` (the drop
/// link, by its token in the path): only the mount differs.
struct TusMount: Sendable, Equatable {
    /// The collection's path, without a trailing slash: `/uploads`, `/d/TOKEN/uploads`.
    let basePath: String
    let owner: UploadOwner

    /// The URL path of one upload.
    func location(of id: String) -> String {
        basePath + "/" + id
    }

    /// Where a finished upload's file is (`Location: /files/FILEID`), for its owner's eyes: a
    /// signed-in user's. A guest is not told stored files' ids (as `GuestFileJSON`); its
    /// client sees completion in `Upload-Offset` reaching `Upload-Length`.
    func fileLocation(_ fileID: Int64) -> String? {
        if case .user = owner { return "/files/\(fileID)" }
        return nil
    }
}

/// The tus 1.0.0 endpoints of a collection (SPEC "Resumable uploads"): `OPTIONS` (what the
/// server offers), `POST` (creation, with or without the first bytes), `HEAD` (where an upload
/// stands), `PATCH` (more bytes), `DELETE` (termination).
///
/// Mounting a collection elsewhere (a drop link's `/d/TOKEN/uploads`): the path after the mount
/// is matched with `TusAction.match` (its endpoint needing no token); `Routes` first finds the
/// link (`DropPageRoutes.tusMount`: on the storage thread, its base path and
/// `UploadOwner.drop`; 404 for an unknown or revoked link, 410 for an expired one, answered
/// before anything else as a 401 would be), then calls `startStreamedBody` (`POST`, `PATCH`)
/// or `handle` (the others) with the mount, as for `/uploads`. The drop's own limits on a new upload (`max_files`,
/// `max_bytes`) are checked and charged in the creation's transaction (`TusStore.create`), beside
/// the quota check. `Tus-Resumable` on every answer, errors included, comes from
/// `TusProtocol.isCollectionPath`, which knows both mounts.
///
/// Checks come in this order, after routing (404, 405) and authentication (401): the version
/// (412), the request's own headers (400, 413, 415), then the upload (404 for a missing one,
/// another owner's, or an expired one; 409; 460 at the body's end).
struct TusRoutes {
    let eventLoop: EventLoop
    let storage: any StorageAccess
    /// The largest upload accepted, in bytes (`--max-upload-size`).
    let maxFileSize: Int64
    let clock: WallClock
    let logger: Logger
    /// How long an unfinished upload lives after its creation or last stored bytes, and how
    /// long a finished one is still answered for (`--resumable-ttl`).
    let lifetimeMilliseconds: Int64
    let active: TusActiveWrites
    /// Quotas, the storage limit and the free-space reserve (507): an unfinished upload's
    /// whole length counts from its creation.
    let space: SpaceGate
    /// How long the stored files live (`expires_in`, `--default-file-ttl`, `--max-file-ttl`).
    let fileLifetime: FileLifetime
    /// Woken when an upload's bytes are to be freed (the background reclaim).
    let maintenance: MaintenanceScheduler
    /// The server's memory budget, which every chunk buffer draws on (`ChunkWriter`).
    let budget: MemoryBudget

    /// The answer to a `POST` or `PATCH`, whose bodies stream.
    func startStreamedBody(
        _ action: TusAction, mount: EventLoopFuture<TusMount>, request: Request, connection: StreamedBodyConnection
    ) -> StreamedBodyStart? {
        switch action {
        case .create: startCreation(request, mount: mount, connection: connection)
        case .patch(let id): startPatch(id, request: request, mount: mount, connection: connection)
        case .options, .head, .terminate: nil
        }
    }

    /// The answer to `OPTIONS`, `HEAD` and `DELETE`.
    func handle(_ action: TusAction, mount: EventLoopFuture<TusMount>, request: Request) -> EventLoopFuture<Response> {
        switch action {
        case .options: eventLoop.makeSucceededFuture(options())
        case .head(let id): head(id, mount: mount, request: request)
        case .terminate(let id): terminate(id, mount: mount, request: request)
        case .create, .patch: eventLoop.makeSucceededFuture(.message(.internalServerError, "Internal server error"))
        }
    }

    /// `OPTIONS`: what this server offers; needs no token and no `Tus-Resumable`.
    func options() -> Response {
        var response = Response(status: .noContent)
        response.headers.add(name: "Tus-Version", value: TusProtocol.version)
        response.headers.add(name: "Tus-Extension", value: TusProtocol.extensions)
        response.headers.add(name: "Tus-Max-Size", value: String(maxFileSize))
        response.headers.add(name: "Tus-Checksum-Algorithm", value: TusProtocol.checksumAlgorithms)
        return response
    }

    /// `HEAD /uploads/ID`: the offset to resume from; for a finished upload, where its file is.
    func head(_ id: String, mount: EventLoopFuture<TusMount>, request: Request) -> EventLoopFuture<Response> {
        guard TusProtocol.speaksOurVersion(request) else { return eventLoop.makeSucceededFuture(TusRefusal.versionMismatch.response) }
        let (now, storage, logger) = (clock.unixMilliseconds, storage, logger)
        return mount.assumeIsolated().flatMap { mount in
            storage.run { try $0.uploads.upload(id: id) }.map { upload in (mount, upload) }
        }.nonisolated().map { mount, upload in
            guard let upload, upload.ownerKey == mount.owner.key, upload.isLive(now: now) else { return TusRefusal.notFound.response }
            var response = Response(status: .ok)
            response.headers.add(name: "Upload-Offset", value: String(upload.offset))
            response.headers.add(name: "Upload-Length", value: String(upload.length))
            if !upload.metadata.isEmpty { response.headers.add(name: "Upload-Metadata", value: upload.metadata) }
            response.headers.add(name: "Upload-Expires", value: HTTPDate.format(unixMilliseconds: upload.expiresAt))
            if upload.isFinished, let location = mount.fileLocation(upload.fileID) {
                response.headers.add(name: "Location", value: location)
            }
            response.headers.add(name: "Cache-Control", value: "no-store")
            return response
        }.recover { TusRoutes.answer(for: $0, logger: logger) }
    }

    /// `DELETE /uploads/ID` (termination): stops a request writing to it, then removes an
    /// unfinished upload with its bytes, or forgets a finished one and keeps its file.
    func terminate(_ id: String, mount: EventLoopFuture<TusMount>, request: Request) -> EventLoopFuture<Response> {
        guard TusProtocol.speaksOurVersion(request) else { return eventLoop.makeSucceededFuture(TusRefusal.versionMismatch.response) }
        let (now, storage, active, loop, logger) = (clock.unixMilliseconds, storage, active, eventLoop, logger)
        let (space, maintenance) = (space, maintenance)
        return mount.assumeIsolated().flatMap { mount in
            storage.run { try $0.uploads.upload(id: id) }.map { upload in (mount, upload) }
        }.flatMap { mount, upload -> EventLoopFuture<Response> in
            guard let upload, upload.ownerKey == mount.owner.key, upload.isLive(now: now) else {
                return loop.makeSucceededFuture(TusRefusal.notFound.response)
            }
            let writing = active.holder(of: id)?.stop() ?? loop.makeSucceededVoidFuture()
            return writing.assumeIsolated().flatMap { () -> EventLoopFuture<Response> in
                guard let claim = active.claim(id) else { return loop.makeSucceededFuture(TusRefusal.busy.response) }
                return storage.run { try $0.uploads.terminate(id: id) }.assumeIsolated().always { _ in
                    active.release(claim)
                }.map { termination in
                    guard let termination else { return TusRefusal.notFound.response }
                    if case .removed(let removal) = termination {
                        space.removeStored(owner: removal.uploadedBy, bytes: removal.bytes)
                        maintenance.wake(StorageMaintenance.reclaimName)
                    }
                    return Response(status: .noContent)
                }.nonisolated()
            }.nonisolated()
        }.nonisolated().recover { TusRoutes.answer(for: $0, logger: logger) }
    }

    // MARK: Writing

    private func startCreation(
        _ request: Request, mount: EventLoopFuture<TusMount>, connection: StreamedBodyConnection
    ) -> StreamedBodyStart {
        let creation: TusCreationRequest
        switch TusCreationRequest.parse(request, maxFileSize: maxFileSize, fileLifetime: fileLifetime) {
        case .failure(let refusal): return .refused(refusal.response)
        case .success(let parsed): creation = parsed
        }
        let write = TusWrite(
            kind: .creation, routes: self, connection: connection, checksum: creation.checksum,
            declaredLength: request.declaredBodyLength.map(Int64.init)
        )
        let (id, now, lifetime, storage) = (UploadID.generate(), clock.unixMilliseconds, lifetimeMilliseconds, storage)
        let (space, fileLifetime, loop) = (space, fileLifetime, eventLoop)
        let decision = mount.assumeIsolated().flatMap { mount -> EventLoopFuture<TusWrite.Decision> in
            // The whole length is claimed now (507 past a quota, the storage limit or the
            // free-space reserve); once the row is stored, the database counts it.
            let reservation: SpaceLedger.Reservation
            switch space.reserve(owner: mount.owner.quotaOwner, bytes: creation.length) {
            case .failure(let refusal): return loop.makeFailedFuture(TusRefusal(.insufficientStorage, refusal.message))
            case .success(let claimed): reservation = claimed
            }
            return storage.run { storage in
                let new = NewTusUpload(
                    id: id, owner: mount.owner, length: creation.length, description: creation.description,
                    filename: creation.filename, contentType: creation.contentType, metadata: creation.metadata,
                    expiresIn: creation.expiresIn
                )
                let empty = TusCompletion(
                    sha256: Crypto.hex(Crypto.sha256([UInt8]())), answeredUntil: now + lifetime,
                    fileExpiresAt: fileLifetime.expiresAt(expiresIn: creation.expiresIn, completedAt: now)
                )
                let upload = try storage.uploads.create(
                    new, digestState: SHA256Digest().state, chunkSize: ChunkWriter.chunkSize, now: now, expiresAt: now + lifetime,
                    completion: new.length == 0 ? empty : nil
                )
                return TusWrite.Decision(mount: mount, upload: upload)
            }.assumeIsolated().always { result in
                switch result {
                case .success(let decision): space.commit(reservation, storedBytes: decision.upload.length)
                case .failure: space.release(reservation)
                }
            }.nonisolated()
        }
        write.wait(for: decision.nonisolated())
        return .accepted(write)
    }

    private func startPatch(
        _ id: String, request: Request, mount: EventLoopFuture<TusMount>, connection: StreamedBodyConnection
    ) -> StreamedBodyStart {
        let patch: TusPatchRequest
        switch TusPatchRequest.parse(request) {
        case .failure(let refusal): return .refused(refusal.response)
        case .success(let parsed): patch = parsed
        }
        let write = TusWrite(
            kind: .patch, routes: self, connection: connection, checksum: patch.checksum, declaredLength: patch.declaredLength)
        // Claimed before the upload is read: a request that ends meanwhile has committed its
        // offset before this one reads it (one storage thread, in order).
        let claim = active.claim(id)
        write.claim = claim
        let (now, anotherIsWriting, storage) = (clock.unixMilliseconds, claim == nil, storage)
        let decision = mount.assumeIsolated().flatMap { mount in
            storage.run { try $0.uploads.upload(id: id) }.flatMapThrowing { upload in
                let refusal = TusWriteStateMachine.admit(
                    patch, upload: upload, ownerKey: mount.owner.key, now: now, anotherIsWriting: anotherIsWriting
                )
                if let refusal { throw refusal }
                return TusWrite.Decision(mount: mount, upload: upload!)
            }
        }
        write.wait(for: decision.nonisolated())
        return .accepted(write)
    }

    /// The answer for a request that failed before writing: a refusal as it says, a taken
    /// description as 409, anything else as a 500 whose details go to the log.
    static func answer(for error: Error, logger: Logger) -> Response {
        if let refusal = error as? TusRefusal { return refusal.response }
        if let refusal = error as? LinkRefusal { return .message(refusal.status, refusal.message) }
        if error as? FileStoreError == .duplicateDescription {
            return .message(.conflict, "A file or an unfinished upload already has this description")
        }
        if error.isOutOfSpace {
            return .message(.insufficientStorage, UploadStateMachine.outOfSpaceMessage)
        }
        logger.error("resumable upload request failed: \(error)")
        return .message(.internalServerError, "Internal server error")
    }
}

/// What a request under a tus collection asks for, decided by the route table.
enum TusAction: Equatable, Sendable {
    case options
    case create
    case head(String)
    case patch(String)
    case terminate(String)
}

extension TusAction {
    /// `POST` and `PATCH`, whose bodies stream into the upload (`TusRoutes.startStreamedBody`).
    var hasStreamedBody: Bool {
        switch self {
        case .create, .patch: true
        case .options, .head, .terminate: false
        }
    }

    /// The action of a request under a tus collection: `rest` is the path after the mount
    /// (empty for the collection, the id for one upload). Unknown paths (an id this server
    /// could not have made) are 404, other methods 405. A `POST` may name its real method in
    /// `X-HTTP-Method-Override` (tus core protocol, for clients that cannot send `PATCH` or
    /// `DELETE`); only those two are taken, so the CSRF rule sees a state-changing method.
    static func match(
        method: HTTPMethod, methodOverride: String?, rest: ArraySlice<Substring>, endpoint: (TusAction) -> Endpoint
    ) -> Router.Match {
        var method = method
        if method == .POST, let override = methodOverride?.trimmed.uppercased(), override == "PATCH" || override == "DELETE" {
            method = HTTPMethod(rawValue: override)
        }
        switch rest.count {
        case 0:
            return Router.choose(method, [(.OPTIONS, endpoint(.options)), (.POST, endpoint(.create))])
        case 1 where UploadID.isWellFormed(rest[rest.startIndex]):
            let id = String(rest[rest.startIndex])
            return Router.choose(
                method,
                [
                    (.HEAD, endpoint(.head(id))), (.PATCH, endpoint(.patch(id))), (.DELETE, endpoint(.terminate(id))),
                    (.OPTIONS, endpoint(.options)),
                ]
            )
        default:
            return .notFound
        }
    }
}
