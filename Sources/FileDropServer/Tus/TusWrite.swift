import FileDropAuth
import FileDropStorage
import NIOCore
import NIOHTTP1

/// One request that writes bytes into a resumable upload: a `PATCH`, or a `POST` that creates
/// the upload (creation, with or without its first bytes). The tus front door of the upload
/// pipeline, beside `FormUpload`: the bytes go through the same `ChunkWriter` straight into the
/// upload's chunk rows, continuing its saved SHA-256 state.
///
/// Before a byte is stored the upload's row must be read (or, for a creation, made), so reading
/// from the socket is paused and what arrived meanwhile is held until then; that decision
/// comes on a later turn of the loop, never from inside `startStreamedBody`. With no checksum,
/// every chunk row is committed together with the upload's offset and digest state, so a
/// request cut off by the network keeps what reached the disk; the end of a request commits
/// durably before it is answered. `TusWriteStateMachine` decides; this class carries out its
/// actions, and reaches its connection only through the `StreamedBodyConnection` closures.
final class TusWrite: StreamedBody {
    enum Kind {
        case patch
        /// A creation: answered 201 with the upload's location. If it fails or is cut off,
        /// the upload is removed: the client never learnt its URL.
        case creation
    }

    /// How often the offset is committed with the chunk rows while a body streams in (SPEC: at
    /// least every 8 MiB). Not every 1 MiB chunk: the upload's row is a page of its own
    /// in the WAL, and writing it with every chunk cost about 6 % of a large upload's speed.
    /// A cut-off request commits everything that arrived anyway; this bounds what a crash loses.
    static let progressInterval: Int64 = 4 << 20

    /// `finish()` after the request was answered already: a bug in the caller.
    struct AlreadyAnswered: Error {}

    private enum Phase {
        /// Waiting for the upload's row; what arrived meanwhile.
        case deciding(held: [ByteBuffer])
        case writing(ChunkWriter)
        /// Answered, cut off or stopped; storage work may still be finishing (`over`).
        case done
    }

    /// What a request writes to, once its upload was read (or made).
    struct Decision: Sendable {
        let mount: TusMount
        let upload: TusUpload
    }

    let kind: Kind
    let routes: TusRoutes
    /// The collection the request came through, once decided.
    var mount: TusMount?
    private let connection: StreamedBodyConnection
    private let checksum: UploadChecksum?
    private let declaredLength: Int64?
    private var phase = Phase.deciding(held: [])
    var machine: TusWriteStateMachine
    /// The upload written to, once decided.
    var upload: TusUpload?
    /// This request's hold on the upload: taken before a `PATCH` reads the upload's row, when
    /// a creation made it.
    var claim: TusActiveWrites.Claim?
    private var aborted = false
    private var finishCalled = false
    /// A refusal in the middle of the body, answered once its bytes are given back.
    private var refused: EventLoopFuture<Response>?
    /// `finish()` came while still deciding: its answer, once decided.
    private var pendingAnswer: EventLoopPromise<Response>?
    /// Completes once this request's storage work is over and its claim released.
    let over: EventLoopPromise<Void>
    var isOver = false

    init(
        kind: Kind, routes: TusRoutes, connection: StreamedBodyConnection, checksum: UploadChecksum?, declaredLength: Int64?
    ) {
        self.kind = kind
        self.routes = routes
        self.connection = connection
        self.checksum = checksum
        self.declaredLength = declaredLength
        machine = TusWriteStateMachine(start: 0, length: 0, checksum: nil)
        over = routes.eventLoop.makePromise()
    }

    /// Pauses reading until `decision` says whether to write, and to which upload. A failed
    /// decision is answered (a `TusRefusal` as it says, anything else as `TusRoutes.answer`).
    func wait(for decision: EventLoopFuture<Decision>) {
        connection.pauseReading()
        let loop = routes.eventLoop.assumeIsolated()
        decision.assumeIsolated().whenComplete { result in
            loop.execute { self.decided(result) }
        }
    }

    // MARK: Deciding

    private func decided(_ outcome: Result<Decision, Error>) {
        guard case .deciding(let held) = phase else { return }
        // Whatever the decision, the connection reads again: the rest of the body is written
        // or dropped, and a kept-alive connection's next request must be read.
        connection.resumeReading()
        switch outcome {
        case .failure(let error):
            phase = .done
            release()
            answer(TusRoutes.answer(for: error, logger: routes.logger))
        case .success(let decision):
            let upload = decision.upload
            mount = decision.mount
            self.upload = upload
            let claim = self.claim ?? routes.active.claim(upload.id)!  // a new upload's id is free
            self.claim = claim
            let loop = routes.eventLoop
            claim.stop = { [weak self] in self?.stop() ?? loop.makeSucceededVoidFuture() }
            machine = TusWriteStateMachine(start: upload.offset, length: upload.length, checksum: checksum)
            guard !aborted else { return forgetAfterAbort(upload) }
            guard let writer = makeWriter(for: upload) else {
                phase = .done
                routes.logger.error("resumable upload \(upload.id) has a damaged digest state")
                release()
                return answer(TusRefusal(.internalServerError, "The upload's saved state is damaged").response)
            }
            if declaredLength != 0 {
                routes.logger.debug("resumable upload \(upload.id): writing from offset \(upload.offset) of \(upload.length)")
            }
            phase = .writing(writer)
            // The first buffer's share of the memory budget before any byte is taken (reading
            // pauses until it is granted); a request without a body needs none.
            if declaredLength != 0 { writer.reserveFirstBuffer() }
            for buffer in held { receive(buffer) }
            if let pendingAnswer {
                self.pendingAnswer = nil
                pendingAnswer.completeWith(finish())
            }
        }
    }

    private func makeWriter(for upload: TusUpload) -> ChunkWriter? {
        guard let digest = SHA256Digest(state: upload.digestState) else { return nil }
        let (storage, clock, lifetime, id) = (routes.storage, routes.clock, routes.lifetimeMilliseconds, upload.id)
        let fileID: EventLoopFuture<Int64>
        if kind == .creation || upload.isFinished {
            fileID = routes.eventLoop.makeSucceededFuture(upload.fileID)
        } else {
            // A crash in the middle of a checked request may have left bytes past the offset.
            fileID = storage.run { storage in
                try storage.uploads.discard(beyond: upload.offset, of: upload, digestState: upload.digestState)
                return upload.fileID
            }
        }
        // Unchecked bytes count as they are stored; checked ones only once the checksum holds.
        var commitEachChunk: ChunkWriter.ChunkCommit?
        if checksum == nil {
            commitEachChunk = { storage, _, progress in
                // Chunk rows end on multiples of the chunk size, so this is every few chunks.
                guard progress.storedBytes % Self.progressInterval == 0 else { return }
                try storage.uploads.saveProgress(
                    id: id, offset: progress.storedBytes, digestState: progress.digest.state,
                    expiresAt: clock.unixMilliseconds + lifetime
                )
            }
        }
        let writer = ChunkWriter(
            storage: storage, budget: routes.budget, fileID: fileID,
            start: ChunkWriter.Progress(storedBytes: upload.offset, digest: digest),
            chunkSize: upload.chunkSize, expectedBytes: declaredLength, commitEachChunk: commitEachChunk
        )
        writer.onPause = connection.pauseReading
        writer.onResume = connection.resumeReading
        writer.onFailure = { [weak self] (error: Error) in
            guard let self else { return }
            self.routes.logger.error("resumable upload failed in storage: \(error)")
            self.perform(self.machine.storageFailed(outOfSpace: error.isOutOfSpace))
        }
        return writer
    }

    // MARK: The body as it arrives

    func receive(_ buffer: ByteBuffer) {
        switch phase {
        case .deciding(var held):
            phase = .done  // avoid a copy of `held` while it grows
            held.append(buffer)
            phase = .deciding(held: held)
        case .writing:
            perform(machine.receive(buffer))
        case .done:
            break
        }
    }

    func finish() -> EventLoopFuture<Response> {
        finishCalled = true
        if let refused { return refused }  // the body ended while a refusal was being carried out
        switch phase {
        case .deciding:
            let promise = routes.eventLoop.makePromise(of: Response.self)
            pendingAnswer = promise
            return promise.futureResult
        case .writing(let writer):
            switch machine.bodyEnded() {
            case .commit:
                phase = .done
                return commit(writer).assumeIsolated().map {
                    self.answer(offset: $0.offset, expiresAt: $0.expiresAt, fileID: $0.fileID)
                }.nonisolated()
            case .refuse(let refusal):
                phase = .done
                return rollBack(writer).map { refusal.response }
            default:
                return routes.eventLoop.makeFailedFuture(AlreadyAnswered())
            }
        case .done:
            return routes.eventLoop.makeFailedFuture(AlreadyAnswered())
        }
    }

    func abort() {
        aborted = true
        if case .writing = phase {
            perform(machine.connectionClosed())
        }
    }

    /// A termination of the upload asks this request to stop.
    private func stop() -> EventLoopFuture<Void> {
        guard case .writing(let writer) = phase, machine.terminated() == .stop else { return over.futureResult }
        phase = .done
        writer.abandon().assumeIsolated().whenComplete { _ in self.release() }
        answer(TusRefusal.notFound.response)
        return over.futureResult
    }

    /// The connection closed before the decision: nothing was written; a new upload is
    /// removed (its client never learnt its URL).
    private func forgetAfterAbort(_ upload: TusUpload) {
        phase = .done
        guard kind == .creation else { return release() }
        let (space, maintenance) = (routes.space, routes.maintenance)
        routes.storage.run { storage in try storage.uploads.terminate(id: upload.id) }
            .assumeIsolated().whenComplete { result in
                if case .success(.removed(let removal)?) = result {
                    space.removeStored(owner: removal.uploadedBy, bytes: removal.bytes)
                    maintenance.wake(StorageMaintenance.reclaimName)
                }
                self.release()
            }
    }

    /// Answers the client: at once while its body is still coming, or as `finish()`'s answer.
    private func answer(_ response: Response) {
        if let pendingAnswer {
            self.pendingAnswer = nil
            pendingAnswer.succeed(response)
        } else {
            connection.answerNow(response)
        }
    }

    private func perform(_ action: TusWriteStateMachine.Action) {
        guard case .writing(let writer) = phase else { return }
        switch action {
        case .none, .commit, .stop:
            break
        case .store(let bytes):
            writer.append(bytes)
        case .refuse(let refusal):
            // Answered once the upload is back where this request started, so that whoever
            // asks after the answer finds none of this request's bytes.
            phase = .done
            let answered = rollBack(writer).map { refusal.response }
            refused = answered
            answered.assumeIsolated().whenSuccess { response in
                if !self.finishCalled { self.answer(response) }
            }
        case .keepWhatArrived:
            phase = .done
            if kind == .creation {
                rollBack(writer).assumeIsolated().whenComplete { _ in }
            } else {
                commit(writer).assumeIsolated().whenComplete { _ in }
            }
        case .rollBack:
            phase = .done
            rollBack(writer).assumeIsolated().whenComplete { _ in }
        }
    }
}

@available(*, unavailable)
extension TusWrite: Sendable {}
