import FileDropAssets
import FileDropAuth
import NIOCore

/// A compiled-in file served as it is, with a strong `ETag` from its SHA-256.
struct StaticAsset {
    let bytes: ByteBuffer
    let contentType: String
    let etag: String
}

/// The compiled-in assets: `Assets/static/NAME` at `/static/NAME`, `Assets/favicon.ico` at
/// `/favicon.ico`, and the page templates under `Assets/templates/`.
enum StaticAssets {
    private static let assets: [String: StaticAsset] = {
        var assets: [String: StaticAsset] = [:]
        for (path, base64) in EmbeddedAssets.base64Files {
            guard let bytes = Base64.decode(base64) else { preconditionFailure("asset \(path) is not base64") }
            let etag = "\"" + Crypto.hex(Crypto.sha256(bytes).prefix(16)) + "\""
            assets[path] = StaticAsset(bytes: ByteBuffer(bytes: bytes), contentType: contentType(of: path), etag: etag)
        }
        return assets
    }()

    /// The asset served at `/static/NAME`.
    static func asset(named name: String) -> StaticAsset? {
        guard !name.split(ascii: "/").contains("..") else { return nil }
        return assets["static/" + name]
    }

    static var favicon: StaticAsset? { assets["favicon.ico"] }

    /// A template's text; a missing template is a build mistake, caught by the tests.
    static func template(_ name: String) -> String {
        guard let asset = assets["templates/" + name] else {
            preconditionFailure("missing template Assets/templates/\(name)")
        }
        return String(decoding: asset.bytes.readableBytesView, as: UTF8.self)
    }

    static func contentType(of path: String) -> String {
        let suffix = path.split(ascii: ".").last.map { $0.lowercased() } ?? ""
        switch suffix {
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "html": return "text/html; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "json": return "application/json"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}
