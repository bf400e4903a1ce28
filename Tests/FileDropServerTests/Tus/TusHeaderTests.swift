import FileDropAuth
import NIOHTTP1
import Testing

@testable import FileDropServer

/// The tus request headers, parsed directly: integers, `Upload-Metadata`, `Upload-Checksum`,
/// and what a creation or a `PATCH` head decides before any storage is touched.
@Suite struct TusHeaderTests {
    private func request(_ headers: [(String, String)], method: HTTPMethod = .POST) -> Request {
        Request(
            head: HTTPRequestHead(version: .http1_1, method: method, uri: "/uploads", headers: HTTPHeaders(headers)),
            clientAddress: "-", receivedAt: .now
        )
    }

    private static func metadata(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0) \(Base64.encode(Array($0.1.utf8)))" }.joined(separator: ",")
    }

    // MARK: Integers

    @Test(
        arguments: [
            ("0", 0), ("7", 7), ("007", 7), (" 12 ", 12), ("9223372036854775807", Int64.max),
        ] as [(String, Int64)])
    func nonNegativeIntegersAreRead(text: String, value: Int64) {
        #expect(TusHeaders.nonNegativeInteger(text) == value)
    }

    @Test(arguments: [
        "", " ", "-1", "+1", "-0", "1 2", "1.0", "1e3", "0x10", "abc", "١٢", "9223372036854775808", "99999999999999999999999",
    ])
    func anythingElseIsNotANonNegativeInteger(text: String) {
        #expect(TusHeaders.nonNegativeInteger(text) == nil)
    }

    // MARK: Upload-Metadata

    @Test func metadataPairsAreDecoded() throws {
        let parsed = try UploadMetadata.parse("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential, empty ").get()
        #expect(parsed.values["filename"] == Array("world_domination_plan.pdf".utf8))
        #expect(parsed.values["is_confidential"] == [])
        #expect(parsed.values["empty"] == [])
        #expect(try UploadMetadata.parse("").get().values.isEmpty)
        #expect(try UploadMetadata.parse("  ").get().values.isEmpty)
        // Unpadded base64 is taken as well as padded; values may be any bytes.
        #expect(try UploadMetadata.parse("a YQ, b /w==").get().values == ["a": [0x61], "b": [0xFF]])
        #expect((try? UploadMetadata.parse("b /w").get().text("b").get()) == nil)  // not UTF-8
    }

    @Test(arguments: [
        "filename", "filename abd=", "filename a b", "filename YQ,filename YQ", "a YQ,,b YQ", ",", "a  YQ", "filé YQ",
        "a\u{1}b YQ", "a YQ==x",
    ])
    func malformedMetadataIsRefused(header: String) {
        if header == "filename" {  // a lone key is an empty value, and fine
            #expect((try? UploadMetadata.parse(header).get()) != nil)
            return
        }
        #expect((try? UploadMetadata.parse(header).get()) == nil, "\(header)")
    }

    @Test func nonUTF8TextIsAProblem() throws {
        let parsed = try UploadMetadata.parse("description /w==").get()
        #expect((try? parsed.text("description").get()) == nil)
        #expect(try parsed.text("missing").get() == nil)
    }

    // MARK: Upload-Checksum

    @Test func checksumsAreParsed() throws {
        let sha1 = try UploadChecksum.parse("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=").get()
        #expect(sha1.algorithm == .sha1)
        #expect(sha1.expected.count == 20)
        let digest = Base64.encode(Crypto.sha256(Array("x".utf8)))
        #expect(try UploadChecksum.parse("sha256 \(digest)").get().algorithm == .sha256)
    }

    @Test(arguments: [
        ("md5 XUFAKrxLKna5cZ2REBfFkg==", "Unsupported checksum algorithm; use one of sha1,sha256"),
        ("SHA1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=", "Unsupported checksum algorithm; use one of sha1,sha256"),
        ("sha1", "Upload-Checksum must be an algorithm and a base64 digest"),
        ("sha1 !!!", "Upload-Checksum is not a base64 sha1 digest"),
        ("sha1 YQ==", "Upload-Checksum is not a base64 sha1 digest"),
        ("sha256 Kq5sNclPz7QV2+lfQIuc6R7oRu0=", "Upload-Checksum is not a base64 sha256 digest"),
    ])
    func badChecksumsAre400(header: String, message: String) {
        #expect(UploadChecksum.parse(header) == .failure(TusRefusal(.badRequest, message)))
    }

    @Test func aRequestChecksumComparesTheBytesThatPassed() throws {
        var checksum = RequestChecksum(try UploadChecksum.parse("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=").get())
        Array("hello ".utf8).withUnsafeBytes { checksum.update($0) }
        Array("world".utf8).withUnsafeBytes { checksum.update($0) }
        let matched = checksum.matches()
        #expect(matched)
        var other = RequestChecksum(try UploadChecksum.parse("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=").get())
        Array("hello".utf8).withUnsafeBytes { other.update($0) }
        let otherMatched = other.matches()
        #expect(!otherMatched)
    }

    // MARK: Creation

    private func creation(_ headers: [(String, String)], max: Int64 = 100) -> Result<TusCreationRequest, TusRefusal> {
        TusCreationRequest.parse(request(headers), maxFileSize: max)
    }

    @Test func aCreationIsReadFromItsHead() throws {
        let meta = Self.metadata([("filename", "dir/ré\u{7}sumé.pdf"), ("description", "  Q3 report\n"), ("filetype", "application/pdf")])
        let parsed = try creation([
            ("Tus-Resumable", "1.0.0"), ("Upload-Length", "100"), ("Upload-Metadata", meta + ",x,expires_in MzYwMA=="),
        ]).get()
        #expect(parsed.length == 100)
        #expect(parsed.filename == "résumé.pdf")
        #expect(parsed.description == "Q3 report")
        #expect(parsed.contentType == "application/pdf")
        #expect(parsed.expiresIn == 3600)
        #expect(parsed.metadata == meta + ",x,expires_in MzYwMA==")
        #expect(!parsed.carriesBytes && parsed.checksum == nil)
    }

    @Test func missingFilenameAndTypeHaveDefaults() throws {
        let parsed = try creation([
            ("Tus-Resumable", "1.0.0"), ("Upload-Length", "0"), ("Upload-Metadata", Self.metadata([("description", "d")])),
        ]).get()
        #expect(parsed.filename == "upload")
        #expect(parsed.contentType == "application/octet-stream")
        #expect(parsed.expiresIn == nil)
    }

    @Test func theFirstBytesMayComeWithTheCreation() throws {
        let parsed = try creation([
            ("Tus-Resumable", "1.0.0"), ("Upload-Length", "10"), ("Upload-Metadata", Self.metadata([("description", "d")])),
            ("Content-Type", "application/offset+octet-stream"), ("Content-Length", "4"),
            ("Upload-Checksum", "sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0="),
        ]).get()
        #expect(parsed.carriesBytes)
        #expect(parsed.checksum?.algorithm == .sha1)
    }

    @Test(
        arguments: [
            ([], 412),
            ([("Tus-Resumable", "0.2.2")], 412),
            ([("Tus-Resumable", "1.0.0"), ("Tus-Resumable", "1.0.0")], 412),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Defer-Length", "1")], 400),
            ([("Tus-Resumable", "1.0.0")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "-1")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "+5")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "5"), ("Upload-Length", "5")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "99999999999999999999")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "101")], 413),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "5")], 400),  // no description
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "5"), ("Upload-Metadata", "description")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "5"), ("Upload-Metadata", "description !")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "5"), ("Upload-Metadata", "description /w==")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "5"), ("Upload-Metadata", "description ZA==,expires_in MA==")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "5"), ("Upload-Metadata", "description ZA==,expires_in LTE=")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "5"), ("Upload-Metadata", "description ZA==,filename /w==")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Length", "5"), ("Upload-Metadata", "description ZA=="), ("Content-Length", "3")], 415),
            (
                [
                    ("Tus-Resumable", "1.0.0"), ("Upload-Length", "5"), ("Upload-Metadata", "description ZA=="), ("Content-Length", "6"),
                    ("Content-Type", "application/offset+octet-stream"),
                ], 413
            ),
            (
                [
                    ("Tus-Resumable", "1.0.0"), ("Upload-Length", "5"), ("Upload-Metadata", "description ZA=="),
                    ("Upload-Checksum", "md5 YQ=="),
                ], 400
            ),
        ] as [([(String, String)], Int)])
    func refusedCreations(headers: [(String, String)], status: Int) {
        guard case .failure(let refusal) = creation(headers) else {
            Issue.record("accepted: \(headers)")
            return
        }
        #expect(Int(refusal.status.code) == status, "\(headers): \(refusal.message)")
    }

    @Test func a412NamesTheVersion() {
        let response = TusRefusal.versionMismatch.response
        #expect(response.status == .preconditionFailed)
        #expect(response.headers.first(name: "Tus-Version") == "1.0.0")
    }

    // MARK: PATCH

    @Test func aPatchHeadIsRead() throws {
        let patch = try TusPatchRequest.parse(
            request(
                [
                    ("Tus-Resumable", "1.0.0"), ("Content-Type", "application/offset+octet-stream"), ("Upload-Offset", "42"),
                    ("Content-Length", "8"), ("Upload-Checksum", "sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0="),
                ], method: .PATCH)
        ).get()
        #expect(patch.offset == 42 && patch.declaredLength == 8 && patch.checksum?.algorithm == .sha1)
    }

    @Test(
        arguments: [
            ([("Content-Type", "application/offset+octet-stream"), ("Upload-Offset", "0")], 412),
            ([("Tus-Resumable", "1.0.0"), ("Upload-Offset", "0")], 415),
            ([("Tus-Resumable", "1.0.0"), ("Content-Type", "application/octet-stream"), ("Upload-Offset", "0")], 415),
            ([("Tus-Resumable", "1.0.0"), ("Content-Type", "application/offset+octet-stream")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Content-Type", "application/offset+octet-stream"), ("Upload-Offset", "-3")], 400),
            ([("Tus-Resumable", "1.0.0"), ("Content-Type", "application/offset+octet-stream"), ("Upload-Offset", "1, 2")], 400),
            (
                [
                    ("Tus-Resumable", "1.0.0"), ("Content-Type", "application/offset+octet-stream"), ("Upload-Offset", "0"),
                    ("Upload-Checksum", "crc32 AAAAAA=="),
                ],
                400
            ),
        ] as [([(String, String)], Int)])
    func refusedPatches(headers: [(String, String)], status: Int) {
        guard case .failure(let refusal) = TusPatchRequest.parse(request(headers, method: .PATCH)) else {
            Issue.record("accepted: \(headers)")
            return
        }
        #expect(Int(refusal.status.code) == status, "\(headers): \(refusal.message)")
    }

    // MARK: Ids and dates

    @Test func uploadIDsAre128RandomBitsInBase64URL() {
        let id = UploadID.generate()
        #expect(id.utf8.count == 22)
        #expect(UploadID.isWellFormed(id[...]))
        #expect(UploadID.generate() != id)
        #expect(!UploadID.isWellFormed("short"))
        #expect(!UploadID.isWellFormed(id.dropLast() + "="))
        #expect(!UploadID.isWellFormed(id + "A"))
    }

    @Test(
        arguments: [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"), (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
            (1_403_712_000, "Wed, 25 Jun 2014 16:00:00 GMT"), (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
        ] as [(Int64, String)])
    func httpDatesAreIMFFixdate(seconds: Int64, text: String) {
        #expect(HTTPDate.format(unixSeconds: seconds) == text)
        #expect(HTTPDate.format(unixMilliseconds: seconds * 1000 + 999) == text)
    }

    @Test(arguments: [
        ("/uploads", true), ("/uploads/abc", true), ("/d/TOKEN/uploads", true), ("/d/TOKEN/uploads/x", true),
        ("/upload", false), ("/files", false), ("/d/TOKEN", false), ("/d/TOKEN/upload", false), ("/", false),
    ])
    func tusCollectionPaths(path: String, isTus: Bool) {
        #expect(TusProtocol.isCollectionPath(path) == isTus)
    }
}
