import FileDropAuth
import NIOHTTP1

/// The fixed facts of tus 1.0.0 as FileDrop speaks it (tus.io, "Resumable upload protocol
/// 1.0.0", and SPEC "Resumable uploads"): the version, the extensions and checksum algorithms
/// offered, the body's media type, and what every answer under a tus collection carries.
///
/// Not offered: `creation-defer-length` (every upload states its length, which reserves its
/// space from creation), `concatenation`, `checksum-trailer`.
enum TusProtocol {
    static let version = "1.0.0"
    static let extensions = "creation,creation-with-upload,termination,expiration,checksum"
    static let checksumAlgorithms = "sha1,sha256"
    /// The media type of every body that carries upload bytes.
    static let bytesMediaType = "application/offset+octet-stream"

    /// Whether a request path lies under a tus collection (`/uploads`, or a drop link's
    /// `/d/TOKEN/uploads`): every answer to it, errors included, carries `Tus-Resumable`.
    static func isCollectionPath(_ path: String) -> Bool {
        guard path.utf8.starts(with: "/uploads".utf8) || path.utf8.starts(with: "/d/".utf8) else { return false }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard let first = segments.first else { return false }
        if first == "uploads" { return true }
        return first == "d" && segments.count >= 3 && segments.dropFirst(2).first == "uploads"
    }

    /// The headers every answer under a tus collection carries.
    static var everyAnswerHeaders: HTTPHeaders { ["Tus-Resumable": version] }

    /// Whether the request speaks our version: `Tus-Resumable: 1.0.0`, once.
    static func speaksOurVersion(_ request: Request) -> Bool {
        let values = request.headers["tus-resumable"]
        return values.count == 1 && values[0].trimmed == version
    }
}

/// An upload's id: 16 random bytes (128 bits) in base64url, 22 characters; unguessable, so an
/// upload's URL reveals nothing and cannot be found by trying.
enum UploadID {
    static let byteCount = 16

    static func generate() -> String {
        Base64URL.encode(Crypto.randomBytes(byteCount))
    }

    /// Whether `text` is an id this server could have made (any other is 404 at routing).
    static func isWellFormed(_ text: Substring) -> Bool {
        text.utf8.count == 22 && Base64URL.decode(text)?.count == byteCount
    }
}

/// A tus request refused: the status and message of the answer.
struct TusRefusal: Error, Equatable, Sendable {
    let status: HTTPResponseStatus
    let message: String

    init(_ status: HTTPResponseStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    static let versionMismatch = TusRefusal(.preconditionFailed, "Send Tus-Resumable: \(TusProtocol.version)")
    static let notFound = TusRefusal(.notFound, "No such upload")
    static let busy = TusRefusal(.conflict, "Another request is writing to this upload; retry when it ends")
    static let checksumMismatch = TusRefusal(
        HTTPResponseStatus(statusCode: 460, reasonPhrase: "Checksum Mismatch"), "The body does not match Upload-Checksum")
    static let wrongMediaType = TusRefusal(.unsupportedMediaType, "Send the bytes as \(TusProtocol.bytesMediaType)")

    static func wrongOffset(stored: Int64) -> TusRefusal {
        TusRefusal(.conflict, "Upload-Offset does not match the upload's offset, \(stored)")
    }

    static func tooLarge(limit: Int64) -> TusRefusal {
        TusRefusal(.payloadTooLarge, "The upload is larger than the limit of \(limit) bytes")
    }

    static let pastLength = TusRefusal(.payloadTooLarge, "More bytes than Upload-Length")

    /// `{"message": ...}`, with `Tus-Version` on a 412 as tus requires.
    var response: Response {
        var response = Response.message(status, message)
        if status == .preconditionFailed {
            response.headers.add(name: "Tus-Version", value: TusProtocol.version)
        }
        return response
    }
}

/// Reading tus request headers strictly: each at most once, in its exact syntax.
enum TusHeaders {
    /// A header's one value; nil when absent; a 400 refusal when it is there more than once.
    static func single(_ request: Request, _ name: String) throws(TusRefusal) -> String? {
        let values = request.headers[name]
        guard values.count <= 1 else { throw TusRefusal(.badRequest, "Send \(name) once") }
        return values.first
    }

    /// `Upload-Offset` and `Upload-Length` (tus 1.0.0 "Headers"): a non-negative integer, that
    /// is ASCII digits only (no sign, no space inside, no fraction or exponent), that fits in
    /// 63 bits. Spaces around the value are the field's own and were already removed.
    static func nonNegativeInteger(_ text: some StringProtocol) -> Int64? {
        let trimmed = Substring(text).trimmed
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int64(trimmed)
    }

    /// A header holding a non-negative integer; nil when absent, 400 when malformed or repeated.
    static func integer(_ request: Request, _ name: String) throws(TusRefusal) -> Int64? {
        guard let text = try single(request, name) else { return nil }
        guard let value = nonNegativeInteger(text) else {
            throw TusRefusal(.badRequest, "\(name) must be a non-negative integer")
        }
        return value
    }
}
