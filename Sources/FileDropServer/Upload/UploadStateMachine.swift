import FileDropMultipart
import NIOCore
import NIOHTTP1

/// The decisions of one `POST /upload`, per SPEC "Uploads": which part is the file, what the
/// description and the lifetime (`expires_in`) are, when the size limit is passed, what
/// status each failure gets.
///
/// A pure state machine: each method takes one event (a multipart event, the body's end, a
/// storage outcome) and returns the `Action` the caller must carry out. It owns no channel,
/// no parser and no storage, and reads no clock, so it is tested with tables of events
/// (`UploadStateMachineTests`). `FormUpload` feeds it and does what it says; `ChunkWriter`
/// stores the bytes it hands out.
///
/// After the first `.fail`, every later event is `.none`: an upload fails once.
struct UploadStateMachine {
    /// Raw bytes of the description part (200 scalars are at most 800 UTF-8 bytes, plus spaces).
    static let maxDescriptionBytes = 4096
    /// Raw bytes of the `expires_in` part: digits of a number of seconds, with room for spaces.
    static let maxExpiresInBytes = 64
    /// Bytes of parts other than the file and the description, which are read and dropped.
    static let maxOtherPartBytes = 64 * 1024
    /// What a body may hold beyond the file: part headers, boundaries, the description.
    static let bodyOverheadAllowance: Int64 = 1 << 20

    enum Action: Equatable, Sendable {
        case none
        /// The `inputFile` part began: open an incomplete file with this (cleaned) name.
        case openFile(filename: String, contentType: String)
        /// Bytes of the file, in order: append them to the file opened before.
        case appendToFile(ByteBuffer)
        /// Answer with this status and message; forget whatever was stored.
        case fail(HTTPResponseStatus, String)
        /// The body is complete and valid: store the file under this description, durably,
        /// to live `expiresIn` seconds from then (nil: the server's default).
        case commit(description: String, size: Int64, expiresIn: Int64?)
    }

    /// What the request head alone decides, before any body byte is read.
    enum HeadDecision: Equatable, Sendable {
        case accept(boundary: String)
        case refuse(HTTPResponseStatus, String)
    }

    private enum Part {
        case file, description, expiresIn, other
    }

    private enum State {
        case receiving
        case committing
        case finished
    }

    private let maxFileSize: Int64
    private let lifetime: FileLifetime
    private var state = State.receiving
    private var part = Part.other
    private var fileSeen = false
    private var filenameWasEmpty = false
    private var fileBytes: Int64 = 0
    private var descriptionBytes: [UInt8]?
    private var expiresInBytes: [UInt8]?
    private var expiresIn: Int64?
    private var otherBytes = 0

    init(maxFileSize: Int64, lifetime: FileLifetime = FileLifetime()) {
        self.maxFileSize = maxFileSize
        self.lifetime = lifetime
    }

    /// Media type, boundary and declared size: 415, 400 and 413 before the body.
    static func decide(contentType: String?, declaredBodyLength: Int?, maxFileSize: Int64) -> HeadDecision {
        switch MultipartContentType.parse(contentType) {
        case .notMultipart:
            return .refuse(.unsupportedMediaType, "Send the file as multipart/form-data")
        case .missingBoundary:
            return .refuse(.badRequest, "multipart/form-data needs a boundary")
        case .formData(let boundary):
            if let declared = declaredBodyLength, Int64(declared) > largestBody(maxFileSize: maxFileSize) {
                return .refuse(.payloadTooLarge, tooLargeMessage(maxFileSize))
            }
            return .accept(boundary: boundary)
        }
    }

    /// The largest body that can carry a file of `maxFileSize` bytes: the limit plus the
    /// allowance, saturating at `Int64.max` (`--max-upload-size` may be as large as that).
    static func largestBody(maxFileSize: Int64) -> Int64 {
        let (sum, overflow) = maxFileSize.addingReportingOverflow(bodyOverheadAllowance)
        return overflow ? .max : sum
    }

    static func tooLargeMessage(_ limit: Int64) -> String {
        "The file is larger than the limit of \(limit) bytes"
    }

    // MARK: Events

    mutating func receive(_ event: MultipartEvent) -> Action {
        guard case .receiving = state else { return .none }
        switch event {
        case .partBegin(let head):
            return partBegan(head)
        case .body(let bytes):
            return partBody(bytes)
        case .partEnd:
            defer { part = .other }
            return part == .expiresIn ? expiresInEnded() : .none
        case .end:
            return .none
        }
    }

    /// The parser refused the body.
    mutating func multipartFailed(_ error: MultipartError) -> Action {
        fail(.badRequest, Self.describe(error))
    }

    /// The whole body arrived and the parser accepted it.
    mutating func bodyEnded() -> Action {
        guard case .receiving = state else { return .none }
        guard fileSeen, !(filenameWasEmpty && fileBytes == 0) else {
            return fail(.badRequest, "No file: send it in the inputFile part")
        }
        switch UploadDescription.parse(descriptionBytes) {
        case .failure(let problem):
            return fail(.badRequest, problem.message)
        case .success(let description):
            state = .committing
            return .commit(description: description, size: fileBytes, expiresIn: expiresIn)
        }
    }

    /// Storing the bytes failed while the body was still coming: 507 when the disk had no
    /// room (the server's free-space reserve or a full disk), else 500. A failure of the
    /// commit itself is answered by the commit (`commitFoundNoSpace`).
    mutating func storageFailed(outOfSpace: Bool) -> Action {
        guard case .receiving = state else { return .none }
        if outOfSpace { return fail(.insufficientStorage, Self.outOfSpaceMessage) }
        return fail(.internalServerError, "Could not store the file")
    }

    /// The file's bytes would pass a quota, the storage limit or the free-space reserve
    /// (`SpaceLedger`): 507 at once, whatever arrived is dropped.
    mutating func spaceRefused(_ message: String) -> Action {
        fail(.insufficientStorage, message)
    }

    /// The disk was full when the file was committed.
    mutating func commitFoundNoSpace() -> Action {
        guard case .committing = state else { return .none }
        return fail(.insufficientStorage, Self.outOfSpaceMessage)
    }

    static let outOfSpaceMessage = "The server's disk is full: the file was not stored"

    /// The commit found another stored file with the same description.
    mutating func descriptionTaken() -> Action {
        guard case .committing = state else { return .none }
        return fail(.conflict, "A file with this description already exists")
    }

    /// A limit outside this machine (a drop link's budget, shared with other uploads) was
    /// passed while the file streamed in.
    mutating func limitPassed(_ status: HTTPResponseStatus, _ message: String) -> Action {
        guard case .receiving = state else { return .none }
        return fail(status, message)
    }

    /// The commit was refused for another reason than the description (a drop link's budget,
    /// checked again in the commit's transaction, or the link gone meanwhile).
    mutating func commitRefused(_ status: HTTPResponseStatus, _ message: String) -> Action {
        guard case .committing = state else { return .none }
        return fail(status, message)
    }

    /// The commit succeeded; nothing follows.
    mutating func committed() {
        state = .finished
    }

    // MARK: Parts

    private mutating func partBegan(_ head: MultipartPartHead) -> Action {
        switch head.name {
        case "inputFile":
            guard !fileSeen else { return fail(.badRequest, "Send one inputFile part per upload") }
            fileSeen = true
            part = .file
            filenameWasEmpty = head.filename == ""
            return .openFile(filename: UploadFilename.clean(head.filename), contentType: head.contentType ?? "application/octet-stream")
        case "description":
            guard descriptionBytes == nil else { return fail(.badRequest, "Send one description part per upload") }
            part = .description
            descriptionBytes = []
            return .none
        case "expires_in":
            guard expiresInBytes == nil else { return fail(.badRequest, "Send one expires_in part per upload") }
            part = .expiresIn
            expiresInBytes = []
            return .none
        default:
            part = .other
            return .none
        }
    }

    private mutating func partBody(_ bytes: ByteBuffer) -> Action {
        switch part {
        case .file:
            fileBytes += Int64(bytes.readableBytes)  // at most the body's length: no overflow
            guard fileBytes <= maxFileSize else { return fail(.payloadTooLarge, Self.tooLargeMessage(maxFileSize)) }
            return .appendToFile(bytes)
        case .description:
            guard descriptionBytes!.count + bytes.readableBytes <= Self.maxDescriptionBytes else {
                return fail(.badRequest, "The description is too long (200 characters at most)")
            }
            descriptionBytes!.append(contentsOf: bytes.readableBytesView)
            return .none
        case .expiresIn:
            guard expiresInBytes!.count + bytes.readableBytes <= Self.maxExpiresInBytes else {
                return fail(.badRequest, "expires_in must be a whole number of seconds")
            }
            expiresInBytes!.append(contentsOf: bytes.readableBytesView)
            return .none
        case .other:
            otherBytes += bytes.readableBytes
            guard otherBytes <= Self.maxOtherPartBytes else { return fail(.badRequest, "Unexpected form fields are too large") }
            return .none
        }
    }

    /// The `expires_in` part is complete: a number of seconds within the cap, or empty (absent).
    private mutating func expiresInEnded() -> Action {
        switch FileLifetime.parseExpiresIn(expiresInBytes ?? []) {
        case .failure(let problem):
            return fail(.badRequest, problem.message)
        case .success(let seconds):
            if let seconds, let problem = lifetime.check(expiresIn: seconds) { return fail(.badRequest, problem.message) }
            expiresIn = seconds
            return .none
        }
    }

    private mutating func fail(_ status: HTTPResponseStatus, _ message: String) -> Action {
        guard state != .finished else { return .none }
        state = .finished
        return .fail(status, message)
    }

    static func describe(_ error: MultipartError) -> String {
        switch error {
        case .truncated: return "The upload was cut off before its end"
        case .partHeaderTooLarge: return "A part's headers are too large"
        case .tooManyParts: return "Too many parts in the form"
        case .malformed(let reason): return "Malformed multipart body: \(reason)"
        }
    }
}
