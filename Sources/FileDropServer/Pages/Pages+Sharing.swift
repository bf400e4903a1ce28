import FileDropStorage
import NIOHTTP1

/// The public pages of share and drop links. Each shows what its link is for and nothing
/// else: no other stored file, no user name, no session. They need no script (the drop page
/// has one, for the drop zone; without it the tutorial's form posts as it always did).
extension Pages {
    private static let sharedFileTemplate = Template.named("share-file.html")
    private static let passphraseTemplate = Template.named("share-passphrase.html")
    private static let linkNoticeTemplate = Template.named("link-notice.html")
    private static let dropTemplate = Template.named("drop.html")
    private static let dropUploadTemplate = Template.named("drop-upload.html")

    /// `GET /s/TOKEN`, unlocked: the file's name, size and description, and a Download button.
    static func sharedFile(_ file: FileRecord, link: ShareLinkRecord, token: String) -> Response {
        let left = link.maxDownloads.map { String(max(0, $0 - link.downloads)) } ?? "No limit"
        return .page(
            .ok,
            sharedFileTemplate.render([
                "filename": file.filename,
                "size": String(file.size),
                "size_human": humanSize(file.size),
                "description": file.description,
                "expires_at": RFC3339.format(unixMilliseconds: link.expiresAt),
                "expires_display": RFC3339.display(unixMilliseconds: link.expiresAt),
                "downloads_left": left,
                "token": token,
            ])
        )
    }

    /// `GET /s/TOKEN` of a link with a passphrase, not unlocked yet: the form alone.
    static func passphraseForm(token: String, status: HTTPResponseStatus, error: String) -> Response {
        .page(status, passphraseTemplate.render(["token": token, "error": error]))
    }

    /// A link that cannot be used: 404 (unknown, revoked, file gone) or 410 (expired, used up).
    static func linkNotice(_ refusal: LinkRefusal) -> Response {
        let title: String
        switch refusal {
        case .gone: title = "Link not found"
        case .expired: title = "Link expired"
        case .usedUp: title = "Link used up"
        case .noFilesLeft, .noBytesLeft: title = "Link is full"
        }
        return .page(refusal.status, linkNoticeTemplate.render(["title": title, "message": refusal.message + "."]))
    }

    /// `GET /d/TOKEN`: what the drop link is for, what it still takes, and the drop zone (with
    /// the tutorial's form beside it, which is all there is without a script).
    static func dropPage(_ link: DropLinkRecord, token: String, maxUploadSize: Int64) -> Response {
        let filesLeft = link.maxFiles.map { max(0, $0 - link.files) }
        let bytesLeft = link.maxBytes.map { max(0, $0 - link.bytes) }
        let full = filesLeft == 0 || bytesLeft == 0
        let fresh = link.files == 0
        let filesText: String
        switch filesLeft {
        case nil: filesText = "Any number of files"
        case 1?: filesText = fresh ? "1 file" : "1 more file"
        case let count?: filesText = fresh ? "Up to \(count) files" : "\(count) more files"
        }
        let sizeText =
            bytesLeft.map { fresh ? "\(humanSize($0)) in all" : "\(humanSize($0)) left" } ?? "Up to \(humanSize(maxUploadSize)) each"
        let uploadArea =
            full
            ? "<div class=\"notice notice-error drop-full\" role=\"status\"><p>"
                + Escaping.html(LinkRefusal.noFilesLeft.message) + ". Thank you!</p></div>"
            : dropUploadTemplate.render(["token": token, "description_max": String(UploadDescription.maxScalars)])
        return .page(
            .ok,
            dropTemplate.render([
                "label": link.label,
                "files_left": filesText,
                "bytes_left": sizeText,
                "expires_at": RFC3339.format(unixMilliseconds: link.expiresAt),
                "expires_display": RFC3339.display(unixMilliseconds: link.expiresAt),
                "description_max": String(UploadDescription.maxScalars),
                "upload_area": uploadArea,
            ])
        )
    }
}
