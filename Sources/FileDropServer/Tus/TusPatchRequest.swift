/// What a `PATCH` of an upload says in its head (tus 1.0.0 core protocol and "Checksum"),
/// checked in order: version (412), media type (415), `Upload-Offset` (400),
/// `Upload-Checksum` (400, also for an algorithm FileDrop does not support).
struct TusPatchRequest: Equatable, Sendable {
    /// Where the client says its bytes start.
    var offset: Int64
    /// The body's size when `Content-Length` gives it.
    var declaredLength: Int64?
    var checksum: UploadChecksum?

    static func parse(_ request: Request) -> Result<TusPatchRequest, TusRefusal> {
        Result { () throws(TusRefusal) in
            guard TusProtocol.speaksOurVersion(request) else { throw .versionMismatch }
            guard request.mediaType == TusProtocol.bytesMediaType else { throw .wrongMediaType }
            guard let offset = try TusHeaders.integer(request, "upload-offset") else {
                throw TusRefusal(.badRequest, "Send Upload-Offset, where these bytes start")
            }
            var patch = TusPatchRequest(offset: offset, declaredLength: request.declaredBodyLength.map(Int64.init), checksum: nil)
            if let header = try TusHeaders.single(request, "upload-checksum") {
                patch.checksum = try UploadChecksum.parse(header).get()
            }
            return patch
        }
    }
}
