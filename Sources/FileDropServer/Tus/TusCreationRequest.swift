import FileDropMultipart
import NIOHTTP1

/// What a `POST` to a tus collection asks for (tus "Creation", SPEC "Resumable uploads"),
/// checked from its head alone: the length within the limit, the metadata's file name,
/// description, media type and lifetime, and, when the body carries the first bytes
/// (creation-with-upload), their media type, declared size and checksum.
struct TusCreationRequest: Equatable, Sendable {
    /// Raw `Upload-Metadata` beyond this many bytes is refused; HEAD answers it again.
    static let maxMetadataBytes = 8 * 1024
    /// `filetype` is stored and served as the file's `Content-Type`.
    static let maxContentTypeBytes = 255

    var length: Int64
    var description: String
    var filename: String
    var contentType: String
    var expiresIn: Int64?
    /// `Upload-Metadata` as sent ("" when absent).
    var metadata: String
    /// The first bytes come with the request.
    var carriesBytes: Bool
    var checksum: UploadChecksum?

    /// The checks in order: version (412), deferred length (400), length (400, 413), metadata
    /// (400, also for an `expires_in` past `--max-file-ttl`), body media type (415), body size
    /// (413), checksum (400).
    /// - Parameter fileLifetime: what `expires_in` may ask for (`--max-file-ttl`).
    static func parse(
        _ request: Request, maxFileSize: Int64, fileLifetime: FileLifetime = FileLifetime()
    ) -> Result<TusCreationRequest, TusRefusal> {
        Result { () throws(TusRefusal) in try parseOrThrow(request, maxFileSize: maxFileSize, fileLifetime: fileLifetime) }
    }

    private static func parseOrThrow(
        _ request: Request, maxFileSize: Int64, fileLifetime: FileLifetime
    ) throws(TusRefusal) -> TusCreationRequest {
        guard TusProtocol.speaksOurVersion(request) else { throw .versionMismatch }
        if try TusHeaders.single(request, "upload-defer-length") != nil {
            throw TusRefusal(.badRequest, "Deferred lengths are not supported: send Upload-Length")
        }
        guard let length = try TusHeaders.integer(request, "upload-length") else {
            throw TusRefusal(.badRequest, "Send Upload-Length, the size of the whole file in bytes")
        }
        guard length <= maxFileSize else { throw .tooLarge(limit: maxFileSize) }

        let metadataText = try TusHeaders.single(request, "upload-metadata") ?? ""
        guard metadataText.utf8.count <= maxMetadataBytes else { throw TusRefusal(.badRequest, "Upload-Metadata is too long") }
        let metadata: UploadMetadata
        switch UploadMetadata.parse(metadataText) {
        case .success(let parsed): metadata = parsed
        case .failure(let problem): throw TusRefusal(.badRequest, problem.message)
        }
        var creation = TusCreationRequest(
            length: length, description: "", filename: UploadFilename.clean(try text(metadata, "filename")),
            contentType: "application/octet-stream", expiresIn: nil, metadata: metadataText.trimmed.isEmpty ? "" : metadataText,
            carriesBytes: false, checksum: nil
        )
        switch UploadDescription.parse(metadata.values["description"]) {
        case .success(let description): creation.description = description
        case .failure(let problem): throw TusRefusal(.badRequest, problem.message)
        }
        if let type = try text(metadata, "filetype"), !type.isEmpty {
            guard type.utf8.count <= maxContentTypeBytes, type.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw TusRefusal(.badRequest, "filetype must be a media type of at most \(maxContentTypeBytes) bytes")
            }
            creation.contentType = type
        }
        if let lifetime = metadata.values["expires_in"] {
            switch FileLifetime.parseExpiresIn(lifetime) {
            case .success(let seconds): creation.expiresIn = seconds
            case .failure(let problem): throw TusRefusal(.badRequest, problem.message)
            }
            if let seconds = creation.expiresIn, let problem = fileLifetime.check(expiresIn: seconds) {
                throw TusRefusal(.badRequest, problem.message)
            }
        }

        let declared = request.declaredBodyLength
        creation.carriesBytes = declared != 0
        if creation.carriesBytes {
            guard request.mediaType == TusProtocol.bytesMediaType else { throw .wrongMediaType }
            if let declared, Int64(declared) > length { throw .pastLength }
        }
        if let header = try TusHeaders.single(request, "upload-checksum") {
            creation.checksum = try UploadChecksum.parse(header).get()
        }
        return creation
    }

    private static func text(_ metadata: UploadMetadata, _ key: String) throws(TusRefusal) -> String? {
        switch metadata.text(key) {
        case .success(let text): return text
        case .failure(let problem): throw TusRefusal(.badRequest, problem.message)
        }
    }
}
