import FileDropStorage
import NIOHTTP1

/// Whose upload this is: a signed-in user, or a guest sending through a drop link. The
/// upload pipeline is the same for both; the uploader decides the stored file's `uploaded_by`,
/// whether a drop link is charged at the commit, and where an answer page leads back to.
enum Uploader: Sendable, Equatable {
    case user(String)
    /// A guest, through this drop link, reached with this token.
    case guest(DropLinkRecord, token: String)

    /// The stored file's `uploaded_by`: the user's name, or `drop:LABEL`.
    var uploadedBy: String {
        switch self {
        case .user(let name): name
        case .guest(let link, _): link.uploaderName
        }
    }

    /// Whose quota the file counts against: the user's own, or for a guest the quota of the
    /// user who made the drop link (SPEC "File lifetime, editing, search and quotas").
    var quotaOwner: String {
        switch self {
        case .user(let name): name
        case .guest(let link, _): link.createdBy
        }
    }

    var dropLink: DropLinkRecord? {
        if case .guest(let link, _) = self { return link }
        return nil
    }

    /// Where the page after a script-less form post leads back to.
    var homePath: String {
        switch self {
        case .user: "/"
        case .guest(_, let token): "/d/" + token
        }
    }
}

/// A budget an upload draws on while its bytes stream in, shared with the other uploads that
/// draw on it at the same time (a drop link's `max_bytes`): so uploads running side by side
/// cannot pass it together, and the one that would is refused as soon as it would.
///
/// The commit checks the budget again in the same transaction as the file; this is the early
/// answer, not the last word.
protocol UploadAllowance: AnyObject {
    /// The file grew by `bytes`: nil while it fits, else the refusal to answer with.
    func fileGrew(by bytes: Int) -> (status: HTTPResponseStatus, message: String)?
    /// The upload ended (stored or not): what it held goes back. Called once.
    func release()
}
