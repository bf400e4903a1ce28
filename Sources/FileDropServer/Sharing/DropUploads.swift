import FileDropStorage
import NIOHTTP1

/// The guest uploads running through each drop link, so that uploads side by side cannot
/// jointly pass a link's `max_files` or `max_bytes`: an upload in progress holds one file of
/// the budget from its start and the bytes it has received so far. A link's budget is then
/// what storage says it received plus what is in progress here.
///
/// This gives the early answers (403 before the body, 413 as soon as the bytes pass); the
/// commit checks the budget again in its own transaction (`DropLinkStore.receive`), which no
/// two uploads can pass together. Lives on the event loop.
final class DropUploads {
    private struct Running {
        var uploads = 0
        var bytes: Int64 = 0
    }

    private var running: [Int64: Running] = [:]

    /// Lets an upload through `link` (as storage has it now) begin, or says why not. A body
    /// whose declared length shows it cannot fit is refused before it is read (with the
    /// allowance for multipart framing that `/upload` uses for its own limit).
    func admit(_ link: DropLinkRecord, declaredBodyLength: Int?) -> Result<UploadAllowance, LinkRefusal> {
        let current = running[link.id, default: Running()]
        if let maxFiles = link.maxFiles, link.files + Int64(current.uploads) >= maxFiles {
            return .failure(.noFilesLeft)
        }
        if let maxBytes = link.maxBytes, let declared = declaredBodyLength {
            let left = maxBytes - link.bytes - current.bytes
            if Int64(declared) > left + UploadStateMachine.bodyOverheadAllowance { return .failure(.noBytesLeft) }
        }
        running[link.id, default: Running()].uploads += 1
        return .success(Ticket(ledger: self, link: link))
    }

    /// Uploads in progress through link `id` (for tests and the page).
    func inProgress(linkID: Int64) -> (uploads: Int, bytes: Int64) {
        let current = running[linkID, default: Running()]
        return (current.uploads, current.bytes)
    }

    /// What one upload holds of its link's budget.
    private final class Ticket: UploadAllowance {
        private let ledger: DropUploads
        private let link: DropLinkRecord
        private var held: Int64 = 0
        private var released = false

        init(ledger: DropUploads, link: DropLinkRecord) {
            self.ledger = ledger
            self.link = link
        }

        func fileGrew(by bytes: Int) -> (status: HTTPResponseStatus, message: String)? {
            guard !released else { return nil }
            held += Int64(bytes)
            ledger.running[link.id, default: Running()].bytes += Int64(bytes)
            guard let maxBytes = link.maxBytes, link.bytes + ledger.running[link.id, default: Running()].bytes > maxBytes else {
                return nil
            }
            return (LinkRefusal.noBytesLeft.status, LinkRefusal.noBytesLeft.message)
        }

        func release() {
            guard !released else { return }
            released = true
            var current = ledger.running[link.id, default: Running()]
            current.uploads -= 1
            current.bytes -= held
            ledger.running[link.id] = current.uploads > 0 ? current : nil
        }
    }
}

@available(*, unavailable)
extension DropUploads: Sendable {}
