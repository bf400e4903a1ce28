import FileDropStorage
import Testing

@testable import FileDropServer

/// The ledger of guest uploads in progress: uploads side by side share their link's budget.
@Suite struct DropUploadsTests {
    private func link(files: Int64 = 0, bytes: Int64 = 0, maxFiles: Int64? = nil, maxBytes: Int64? = nil) -> DropLinkRecord {
        DropLinkRecord(
            id: 1, seed: [], label: "x", expiresAt: 0, maxFiles: maxFiles, maxBytes: maxBytes, files: files, bytes: bytes,
            createdBy: "ann", createdAt: 0
        )
    }

    @Test func anUploadInProgressHoldsAFileOfTheBudget() throws {
        let running = DropUploads()
        let first = try running.admit(link(files: 1, maxFiles: 3), declaredBodyLength: nil).get()
        _ = try running.admit(link(files: 1, maxFiles: 3), declaredBodyLength: nil).get()
        #expect(throws: LinkRefusal.noFilesLeft) { try running.admit(link(files: 1, maxFiles: 3), declaredBodyLength: nil).get() }
        first.release()
        first.release()  // once only
        #expect(running.inProgress(linkID: 1).uploads == 1)
        _ = try running.admit(link(files: 1, maxFiles: 3), declaredBodyLength: nil).get()
    }

    @Test func bytesReceivedSideBySideCountTogether() throws {
        let running = DropUploads()
        let a = try running.admit(link(bytes: 4, maxBytes: 10), declaredBodyLength: nil).get()
        let b = try running.admit(link(bytes: 4, maxBytes: 10), declaredBodyLength: nil).get()
        #expect(a.fileGrew(by: 3) == nil)
        #expect(b.fileGrew(by: 3) == nil)  // 4 stored + 6 arriving: exactly full
        #expect(b.fileGrew(by: 1)?.status == .payloadTooLarge)
        b.release()
        #expect(running.inProgress(linkID: 1) == (uploads: 1, bytes: 3))
        #expect(a.fileGrew(by: 3) == nil)
        a.release()
        #expect(running.inProgress(linkID: 1) == (uploads: 0, bytes: 0))
    }

    @Test func aDeclaredLengthThatCannotFitIsRefusedAtOnce() throws {
        let running = DropUploads()
        let allowance = UploadStateMachine.bodyOverheadAllowance
        #expect(throws: LinkRefusal.noBytesLeft) {
            try running.admit(link(bytes: 5, maxBytes: 10), declaredBodyLength: Int(5 + allowance + 1)).get()
        }
        // Up to the framing allowance it may still fit: the bytes are counted as they come.
        _ = try running.admit(link(bytes: 5, maxBytes: 10), declaredBodyLength: Int(5 + allowance)).get()
        _ = try running.admit(link(), declaredBodyLength: Int.max).get()
    }
}
