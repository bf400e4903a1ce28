import FileDropStorage
import NIOCore

/// The decisions of one request that writes bytes into a resumable upload (a `PATCH`, or a
/// `POST` that creates the upload with its first bytes), per tus 1.0.0 and SPEC "Resumable
/// uploads": whether it may write at all, when it has sent too much, whether its checksum holds,
/// and what becomes of its bytes when it ends, fails, is cut off or is terminated.
///
/// A pure state machine: each method takes one event and returns the `Action` its caller
/// (`TusWrite`) carries out. It reads no clock and touches no storage, so it is tested with
/// tables of events. The request's own checksum is computed here, as the bytes pass.
///
/// What a request's bytes come to:
/// - ended, checksum (if any) matches: committed durably, answered with the new offset;
/// - cut off, no checksum: what arrived is kept (tus: "store as much as possible");
/// - cut off with a checksum, checksum mismatch (460), past `Upload-Length` (413), a storage
///   failure (507 for a full disk, else 500): none of them count; the upload goes back to where the request started;
/// - terminated (`DELETE`) while running: the request stops and is answered 404; the
///   termination removes the upload.
struct TusWriteStateMachine {
    enum Action: Equatable {
        case none
        /// Store these bytes; they fit within the upload's length.
        case store(ByteBuffer)
        /// Answer with this refusal now; stop writing and bring the upload back to where this
        /// request started.
        case refuse(TusRefusal)
        /// The body is complete and sound: store what is pending, commit durably, answer.
        case commit
        /// The connection went away: store what is pending and commit it; nobody to answer.
        case keepWhatArrived
        /// The connection went away: bring the upload back to where this request started.
        case rollBack
        /// The upload was terminated: stop writing, answer 404 if anyone listens; the
        /// termination removes the bytes.
        case stop
    }

    private enum State: Equatable {
        case receiving
        /// The body ended (or the connection did) and its outcome is being stored.
        case ending
        case finished
    }

    /// Whether a write may start, from the stored upload: 404 when there is none for this
    /// owner (or it expired), 409 while another request writes to it or when the offsets
    /// differ, 413 when the declared body would pass the length. nil: admitted.
    static func admit(
        _ patch: TusPatchRequest, upload: TusUpload?, ownerKey: String, now: Int64, anotherIsWriting: Bool
    ) -> TusRefusal? {
        guard let upload, upload.ownerKey == ownerKey, upload.isLive(now: now) else { return .notFound }
        guard !anotherIsWriting else { return .busy }
        guard patch.offset == upload.offset else { return .wrongOffset(stored: upload.offset) }
        if let declared = patch.declaredLength, declared > upload.length - upload.offset { return .pastLength }
        return nil
    }

    /// Where the request's bytes start.
    let start: Int64
    private let length: Int64
    private var checksum: RequestChecksum?
    private var state = State.receiving
    /// Bytes of the body received so far.
    private(set) var received: Int64 = 0

    init(start: Int64, length: Int64, checksum: UploadChecksum?) {
        self.start = start
        self.length = length
        self.checksum = checksum.map(RequestChecksum.init)
    }

    /// Where the upload stands once every received byte is stored.
    var offset: Int64 { start + received }

    // MARK: Events

    mutating func receive(_ bytes: ByteBuffer) -> Action {
        guard state == .receiving else { return .none }
        guard Int64(bytes.readableBytes) <= length - offset else { return refuse(.pastLength) }
        received += Int64(bytes.readableBytes)
        if checksum != nil {
            bytes.withUnsafeReadableBytes { checksum!.update($0) }
        }
        return .store(bytes)
    }

    /// The whole body arrived.
    mutating func bodyEnded() -> Action {
        guard state == .receiving else { return .none }
        if var checksum, !checksum.matches() {
            return refuse(.checksumMismatch)
        }
        state = .ending
        return .commit
    }

    /// Storing a byte failed: 507 when the disk had no room (the free-space reserve, a full
    /// disk), else 500.
    mutating func storageFailed(outOfSpace: Bool = false) -> Action {
        guard state == .receiving else { return .none }
        if outOfSpace { return refuse(TusRefusal(.insufficientStorage, UploadStateMachine.outOfSpaceMessage)) }
        return refuse(TusRefusal(.internalServerError, "Could not store the bytes"))
    }

    /// The connection closed before the body's end.
    mutating func connectionClosed() -> Action {
        guard state == .receiving else { return .none }
        state = .ending
        // With a checksum, bytes that were never checked must not count.
        return checksum == nil ? .keepWhatArrived : .rollBack
    }

    /// A `DELETE` of the upload arrived. Once the request is ending, the termination waits
    /// for that end instead.
    mutating func terminated() -> Action {
        guard state == .receiving else { return .none }
        state = .finished
        return .stop
    }

    /// What `.commit`, `.keepWhatArrived` or `.rollBack` started is done.
    mutating func ended() {
        state = .finished
    }

    private mutating func refuse(_ refusal: TusRefusal) -> Action {
        state = .ending
        return .refuse(refusal)
    }
}
