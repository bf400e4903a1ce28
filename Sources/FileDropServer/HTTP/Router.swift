import NIOHTTP1

/// Every endpoint, grouped by who may call it.
enum Endpoint: Equatable, Sendable {
    // Public.
    case health
    /// Signed-in users, or the metrics token (`MetricsAccess`).
    case metrics
    case loginWithBasic
    case loginWithForm
    case staticAsset(String)
    case favicon
    // Token required.
    case logout
    case index
    case upload
    case listFiles
    case fileRecord(Int64)
    case fileContent(Int64)
    case editFile(Int64)
    case deleteFile(Int64)
    /// Resumable uploads at `/uploads` (tus 1.0.0); `OPTIONS` is public.
    case tus(TusAction)

    var requiresToken: Bool {
        switch self {
        case .health, .loginWithBasic, .loginWithForm, .staticAsset, .favicon, .tus(.options): false
        case .logout, .index, .upload, .listFiles, .fileRecord, .fileContent, .editFile, .deleteFile, .metrics, .tus: true
        }
    }

    /// The route's name in metrics: a fixed word per endpoint, never the raw path (which
    /// would make a new series of every file id a client asks for).
    var metricName: String {
        switch self {
        case .health: "healthz"
        case .metrics: "metrics"
        case .loginWithBasic: "login"
        case .loginWithForm: "login_form"
        case .staticAsset: "static"
        case .favicon: "favicon"
        case .logout: "logout"
        case .index: "index"
        case .upload: "upload"
        case .listFiles: "list_files"
        case .fileRecord: "file_record"
        case .fileContent: "file_content"
        case .editFile: "edit_file"
        case .deleteFile: "delete_file"
        case .tus(.options): "tus_options"
        case .tus(.create): "tus_create"
        case .tus(.head): "tus_head"
        case .tus(.patch): "tus_patch"
        case .tus(.terminate): "tus_terminate"
        }
    }
}

/// Maps a method and path to an endpoint. Matching comes before authentication: an unknown
/// path is 404 and a known path with another method is 405 (with `Allow`), whoever asks.
/// `HEAD` is accepted wherever `GET` is.
enum Router {
    enum Match: Equatable {
        case endpoint(Endpoint)
        case notFound
        case methodNotAllowed(allow: [String])
    }

    /// - Parameter methodOverride: `X-HTTP-Method-Override`, which only the tus routes read.
    static func match(method: HTTPMethod, path: String, methodOverride: String? = nil) -> Match {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        func choose(_ table: [(HTTPMethod, Endpoint)]) -> Match {
            Router.choose(method, table)
        }

        switch Array(segments) {
        case [""]: return choose([(.GET, .index)])
        case ["healthz"]: return choose([(.GET, .health)])
        case ["metrics"]: return choose([(.GET, .metrics)])
        case ["login"]: return choose([(.GET, .loginWithBasic), (.POST, .loginWithForm)])
        case ["logout"]: return choose([(.POST, .logout)])
        case ["upload"]: return choose([(.POST, .upload)])
        case ["files"]: return choose([(.GET, .listFiles)])
        case ["favicon.ico"]: return choose([(.GET, .favicon)])
        case let parts where parts.first == "uploads":
            return TusAction.match(method: method, methodOverride: methodOverride, rest: parts.dropFirst(), endpoint: Endpoint.tus)
        case let parts where parts.count == 2 && parts[0] == "files":
            guard let id = fileID(parts[1]) else { return .notFound }
            return choose([(.GET, .fileRecord(id)), (.PATCH, .editFile(id)), (.DELETE, .deleteFile(id))])
        case let parts where parts.count == 3 && parts[0] == "files" && parts[2] == "content":
            guard let id = fileID(parts[1]) else { return .notFound }
            return choose([(.GET, .fileContent(id))])
        case let parts where parts.count >= 2 && parts[0] == "static":
            let name = parts.dropFirst().joined(separator: "/")
            guard StaticAssets.asset(named: name) != nil else { return .notFound }
            return choose([(.GET, .staticAsset(name))])
        default:
            return .notFound
        }
    }

    /// The endpoint of `table` for `method` (`HEAD` where `GET` is), else 405 listing the
    /// methods the path allows.
    static func choose(_ method: HTTPMethod, _ table: [(HTTPMethod, Endpoint)]) -> Match {
        let get = method == .GET || method == .HEAD
        for (allowed, endpoint) in table where allowed == method || (allowed == .GET && get) {
            return .endpoint(endpoint)
        }
        var allow = table.map { $0.0.rawValue }
        if allow.contains("GET") { allow.insert("HEAD", at: allow.firstIndex(of: "GET")! + 1) }
        return .methodNotAllowed(allow: allow)
    }

    /// A file id: decimal digits only (no sign, no leading zero), fitting in Int64.
    private static func fileID(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }),
            text == "0" || !text.hasPrefix("0")
        else { return nil }
        return Int64(text)
    }
}
