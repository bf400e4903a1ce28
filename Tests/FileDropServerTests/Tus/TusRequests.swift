import FileDropAuth

@testable import FileDropServer

/// Raw tus requests for channel tests.
enum TusRequests {
    static func metadata(description: String = "notes", filename: String? = "a.bin", more: String = "") -> String {
        var pairs = ["description \(Base64.encode(Array(description.utf8)))"]
        if let filename { pairs.append("filename \(Base64.encode(Array(filename.utf8)))") }
        if !more.isEmpty { pairs.append(more) }
        return pairs.joined(separator: ",")
    }

    private static func head(_ line: String, token: String?, _ headers: [String]) -> String {
        var text = "\(line) HTTP/1.1\r\nHost: x\r\n"
        if let token { text += "Authorization: Bearer \(token)\r\n" }
        for header in headers { text += header + "\r\n" }
        return text + "\r\n"
    }

    /// `POST /uploads`; with `body`, creation-with-upload.
    static func create(
        token: String?, length: Int64, metadata: String = metadata(), body: [UInt8]? = nil, headers: [String] = ["Tus-Resumable: 1.0.0"]
    ) -> [UInt8] {
        var all = headers + ["Upload-Length: \(length)", "Upload-Metadata: \(metadata)"]
        if let body { all += ["Content-Type: application/offset+octet-stream", "Content-Length: \(body.count)"] }
        return Array(head("POST /uploads", token: token, all).utf8) + (body ?? [])
    }

    /// `PATCH` of `path` with a `Content-Length`.
    static func patch(
        token: String?, _ path: String, offset: Int64, _ body: [UInt8], headers: [String] = ["Tus-Resumable: 1.0.0"],
        contentType: String = "application/offset+octet-stream", declaredLength: Int? = nil
    ) -> [UInt8] {
        let all = headers + ["Upload-Offset: \(offset)", "Content-Type: \(contentType)", "Content-Length: \(declaredLength ?? body.count)"]
        return Array(head("PATCH \(path)", token: token, all).utf8) + body
    }

    /// The same with `Transfer-Encoding: chunked`, the body in one chunk and, if `ended`, its end.
    static func chunkedPatch(token: String, _ path: String, offset: Int64, _ body: [UInt8], ended: Bool = true) -> [UInt8] {
        let all = [
            "Tus-Resumable: 1.0.0", "Upload-Offset: \(offset)", "Content-Type: application/offset+octet-stream",
            "Transfer-Encoding: chunked",
        ]
        var request = Array(head("PATCH \(path)", token: token, all).utf8)
        request += Array("\(String(body.count, radix: 16))\r\n".utf8) + body + Array("\r\n".utf8)
        if ended { request += Array("0\r\n\r\n".utf8) }
        return request
    }

    static func head(token: String?, _ path: String, headers: [String] = ["Tus-Resumable: 1.0.0"]) -> String {
        head("HEAD \(path)", token: token, headers)
    }

    static func delete(token: String?, _ path: String, headers: [String] = ["Tus-Resumable: 1.0.0"]) -> String {
        head("DELETE \(path)", token: token, headers)
    }

    /// The upload's path from a creation's answer.
    static func location(_ answer: String) -> String {
        answer.header("Location") ?? ""
    }

    static func bytes(_ count: Int, seed: Int = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 131) &+ ($0 >> 9) &+ seed) }
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        Crypto.hex(Crypto.sha256(bytes))
    }

    static func sha1Header(_ bytes: [UInt8]) -> String {
        var digest = SHA1Digest()
        bytes.withUnsafeBytes { digest.update($0) }
        return "Upload-Checksum: sha1 \(Base64.encode(digest.finalize()))"
    }
}
