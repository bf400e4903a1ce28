import FileDropAuth
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
    // Public: links for people without an account (the token is the link's, in the path).
    case sharePage(token: String)
    case unlockShare(token: String)
    case sharedContent(token: String)
    case dropPage(token: String)
    case dropUpload(token: String)
    /// Resumable uploads through a drop link, at `/d/TOKEN/uploads` (the same tus code).
    case dropTus(token: String, TusAction)
    // Token required.
    case logout
    case index
    case upload
    case listFiles
    case fileRecord(Int64)
    case fileContent(Int64)
    case editFile(Int64)
    case deleteFile(Int64)
    case createShareLink(fileID: Int64)
    case listShareLinks(fileID: Int64)
    case revokeShareLink(Int64)
    case createDropLink
    case listDropLinks
    case revokeDropLink(Int64)
    /// Resumable uploads at `/uploads` (tus 1.0.0); `OPTIONS` is public.
    case tus(TusAction)

    var requiresToken: Bool {
        switch self {
        case .health, .loginWithBasic, .loginWithForm, .staticAsset, .favicon, .tus(.options): false
        case .sharePage, .unlockShare, .sharedContent, .dropPage, .dropUpload, .dropTus: false
        case .logout, .index, .upload, .listFiles, .fileRecord, .fileContent, .editFile, .deleteFile, .metrics, .tus: true
        case .createShareLink, .listShareLinks, .revokeShareLink, .createDropLink, .listDropLinks, .revokeDropLink: true
        }
    }

    /// The public routes of share and drop links (`/s/…`, `/d/…`): no token is read, the CSRF
    /// rule does not apply, and every answer carries `Referrer-Policy: no-referrer`.
    var isPublicLink: Bool {
        switch self {
        case .sharePage, .unlockShare, .sharedContent, .dropPage, .dropUpload, .dropTus: true
        default: false
        }
    }

    /// The route's name in metrics: a fixed word per endpoint, never the raw path (which
    /// would make a new series of every file id a client asks for, or show a link's token).
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
        case .createShareLink: "create_share_link"
        case .listShareLinks: "list_share_links"
        case .revokeShareLink: "revoke_share_link"
        case .createDropLink: "create_drop_link"
        case .listDropLinks: "list_drop_links"
        case .revokeDropLink: "revoke_drop_link"
        case .sharePage: "share_page"
        case .unlockShare: "share_unlock"
        case .sharedContent: "share_content"
        case .dropPage: "drop_page"
        case .dropUpload: "drop_upload"
        case .dropTus(_, .options): "drop_tus_options"
        case .dropTus(_, .create): "drop_tus_create"
        case .dropTus(_, .head): "drop_tus_head"
        case .dropTus(_, .patch): "drop_tus_patch"
        case .dropTus(_, .terminate): "drop_tus_terminate"
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
        if path == "/" { return Router.choose(method, [(.GET, .index)]) }  // the page: most requests
        let segments = path.split(ascii: "/", omittingEmptySubsequences: false).dropFirst()
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
        case let parts where parts.count == 3 && parts[0] == "files" && parts[2] == "links":
            guard let id = fileID(parts[1]) else { return .notFound }
            return choose([(.GET, .listShareLinks(fileID: id)), (.POST, .createShareLink(fileID: id))])
        case ["drops"]: return choose([(.GET, .listDropLinks), (.POST, .createDropLink)])
        case let parts where parts.count == 2 && (parts[0] == "links" || parts[0] == "drops"):
            guard let id = fileID(parts[1]) else { return .notFound }
            return choose([(.DELETE, parts[0] == "links" ? .revokeShareLink(id) : .revokeDropLink(id))])
        case let parts where parts.count >= 3 && parts[0] == "d" && parts[2] == "uploads":
            guard LinkTokens.isWellFormed(parts[1]) else { return .notFound }
            let token = String(parts[1])
            return TusAction.match(method: method, methodOverride: methodOverride, rest: parts.dropFirst(3)) {
                .dropTus(token: token, $0)
            }
        case let parts where (2...3).contains(parts.count) && (parts[0] == "s" || parts[0] == "d"):
            return linkRoute(parts, choose: choose)
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

    /// `/s/TOKEN`, `/s/TOKEN/content`, `/d/TOKEN`, `/d/TOKEN/upload`. A token without a
    /// token's shape is an unknown link: 404 without a lookup.
    private static func linkRoute(_ parts: [Substring], choose: ([(HTTPMethod, Endpoint)]) -> Match) -> Match {
        guard LinkTokens.isWellFormed(parts[1]) else { return .notFound }
        let token = String(parts[1])
        switch (parts[0], parts.count == 3 ? parts[2] : nil) {
        case ("s", nil): return choose([(.GET, .sharePage(token: token)), (.POST, .unlockShare(token: token))])
        case ("s", "content"?): return choose([(.GET, .sharedContent(token: token))])
        case ("d", nil): return choose([(.GET, .dropPage(token: token))])
        case ("d", "upload"?): return choose([(.POST, .dropUpload(token: token))])
        default: return .notFound
        }
    }

    /// A file (or link) id: decimal digits only (no sign, no leading zero), fitting in Int64.
    private static func fileID(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            text == "0" || !text.hasPrefix("0")
        else { return nil }
        return Int64(text)
    }
}
