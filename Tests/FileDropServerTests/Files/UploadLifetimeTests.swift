import FileDropMultipart
import NIOCore
import NIOHTTP1
import Testing

@testable import FileDropServer

/// The `expires_in` field and the space outcomes in the upload state machine.
@Suite struct UploadLifetimeTests {
    private func run(_ expiresIn: String?, cap: Int64 = 0) -> [UploadStateMachine.Action] {
        var machine = UploadStateMachine(maxFileSize: 100, lifetime: FileLifetime(maxSeconds: cap))
        var actions: [UploadStateMachine.Action] = []
        func part(_ name: String, _ text: String) {
            actions.append(machine.receive(.partBegin(MultipartPartHead(headers: [], name: name, filename: nil, contentType: nil))))
            actions.append(machine.receive(.body(ByteBuffer(string: text))))
            actions.append(machine.receive(.partEnd))
        }
        part("description", "d")
        if let expiresIn { part("expires_in", expiresIn) }
        actions.append(machine.receive(.partBegin(MultipartPartHead(headers: [], name: "inputFile", filename: "a", contentType: nil))))
        actions.append(machine.receive(.body(ByteBuffer(bytes: [1]))))
        actions.append(machine.receive(.partEnd))
        actions.append(machine.bodyEnded())
        return actions.filter { $0 != .none }
    }

    @Test(arguments: [(String?.none, Int64?.none), ("", nil), ("60", 60), (" 3600 ", 3600)])
    func aValidLifetimeGoesWithTheCommit(field: String?, seconds: Int64?) {
        #expect(run(field).last == .commit(description: "d", size: 1, expiresIn: seconds))
    }

    @Test func aBadLifetimeIs400BeforeTheFile() {
        let actions = run("soon")
        #expect(actions == [.fail(.badRequest, "expires_in must be a whole number of seconds from 1 to 3153600000")])
        #expect(run("61", cap: 60) == [.fail(.badRequest, "expires_in is longer than files may live here (60 seconds at most)")])
        #expect(run(String(repeating: "1", count: 65)) == [.fail(.badRequest, "expires_in must be a whole number of seconds")])
    }

    @Test func aSecondLifetimeFieldIsRefused() {
        var machine = UploadStateMachine(maxFileSize: 100)
        let head = MultipartPartHead(headers: [], name: "expires_in", filename: nil, contentType: nil)
        _ = machine.receive(.partBegin(head))
        _ = machine.receive(.partEnd)
        #expect(machine.receive(.partBegin(head)) == .fail(.badRequest, "Send one expires_in part per upload"))
    }

    @Test func spaceOutcomesAre507() {
        var refused = UploadStateMachine(maxFileSize: 100)
        #expect(refused.spaceRefused("over quota") == .fail(.insufficientStorage, "over quota"))
        var full = UploadStateMachine(maxFileSize: 100)
        #expect(full.storageFailed(outOfSpace: true) == .fail(.insufficientStorage, UploadStateMachine.outOfSpaceMessage))
        var broken = UploadStateMachine(maxFileSize: 100)
        #expect(broken.storageFailed(outOfSpace: false) == .fail(.internalServerError, "Could not store the file"))
    }
}
