import FileDropAuth
import FileDropStorage
import NIOCore
import Testing

@testable import FileDropServer

/// The decisions of a request that writes to a resumable upload, as tables: who may write,
/// offset checks, the length overrun, the checksum, a cut connection and a termination.
@Suite struct TusWriteStateMachineTests {
    private static let now: Int64 = 10_000

    private static func upload(
        offset: Int64 = 4, length: Int64 = 10, owner: String = "user:ann", expiresAt: Int64 = 20_000, finished: Bool = false
    )
        -> TusUpload
    {
        TusUpload(
            id: "u", fileID: 1, ownerKey: owner, length: length, offset: offset, digestState: [], metadata: "", expiresIn: nil,
            chunkSize: 4, createdAt: 0, expiresAt: expiresAt, finishedAt: finished ? 5 : nil
        )
    }

    private static func patch(_ offset: Int64, declared: Int64? = nil) -> TusPatchRequest {
        TusPatchRequest(offset: offset, declaredLength: declared, checksum: nil)
    }

    @Test(
        arguments: [
            ("admitted", patch(4), upload(), false, nil),
            ("admitted with a body that ends exactly at the length", patch(4, declared: 6), upload(), false, nil),
            (
                "admitted: an empty body at the end of a finished upload", patch(10, declared: 0), upload(offset: 10, finished: true),
                false, nil
            ),
            ("no such upload", patch(4), nil, false, TusRefusal.notFound),
            ("another owner's upload", patch(4), upload(owner: "user:bob"), false, .notFound),
            ("a drop link's upload, for a user", patch(4), upload(owner: "drop:1"), false, .notFound),
            ("expired", patch(4), upload(expiresAt: now), false, .notFound),
            ("another owner's, while written to", patch(4), upload(owner: "user:bob"), true, .notFound),
            ("written to by another request", patch(4), upload(), true, .busy),
            ("an offset behind", patch(3), upload(), false, .wrongOffset(stored: 4)),
            ("an offset ahead", patch(5), upload(), false, .wrongOffset(stored: 4)),
            ("a declared body past the length", patch(4, declared: 7), upload(), false, .pastLength),
            ("bytes for a finished upload", patch(10, declared: 1), upload(offset: 10, finished: true), false, .pastLength),
        ] as [(String, TusPatchRequest, TusUpload?, Bool, TusRefusal?)])
    func whoMayWrite(_ name: String, patch: TusPatchRequest, upload: TusUpload?, busy: Bool, refusal: TusRefusal?) {
        let decision = TusWriteStateMachine.admit(patch, upload: upload, ownerKey: "user:ann", now: Self.now, anotherIsWriting: busy)
        #expect(decision == refusal, "\(name)")
    }

    enum Event: Sendable, CustomStringConvertible {
        case receive(String)
        case bodyEnded, storageFailed, connectionClosed, terminated

        var description: String {
            switch self {
            case .receive(let text): "receive(\(text))"
            case .bodyEnded: "bodyEnded"
            case .storageFailed: "storageFailed"
            case .connectionClosed: "connectionClosed"
            case .terminated: "terminated"
            }
        }
    }

    /// What each event answers, with the bytes of `.store` as text.
    private static func run(_ events: [Event], start: Int64 = 4, length: Int64 = 10, checksum: String? = nil) -> [String] {
        let expected = checksum.map { text in
            UploadChecksum(
                algorithm: .sha1,
                expected: {
                    var d = SHA1Digest(); Array(text.utf8).withUnsafeBytes { d.update($0) }; return d.finalize()
                }())
        }
        var machine = TusWriteStateMachine(start: start, length: length, checksum: expected)
        return events.map { event -> String in
            let action: TusWriteStateMachine.Action
            switch event {
            case .receive(let text): action = machine.receive(ByteBuffer(string: text))
            case .bodyEnded: action = machine.bodyEnded()
            case .storageFailed: action = machine.storageFailed()
            case .connectionClosed: action = machine.connectionClosed()
            case .terminated: action = machine.terminated()
            }
            switch action {
            case .store(let bytes): return "store \(String(buffer: bytes))"
            case .refuse(let refusal): return "refuse \(refusal.status.code)"
            default: return "\(action)"
            }
        }
    }

    @Test(
        arguments: [
            (
                "a body within the length is stored and committed", [.receive("ab"), .receive("cd"), .bodyEnded], nil,
                ["store ab", "store cd", "commit"]
            ),
            ("an empty body commits", [.bodyEnded], nil, ["commit"]),
            ("a body up to exactly the length", [.receive("abcdef"), .bodyEnded], nil, ["store abcdef", "commit"]),
            (
                "one byte past the length is 413, and nothing after it counts",
                [.receive("abcde"), .receive("fg"), .receive("h"), .bodyEnded],
                nil, ["store abcde", "refuse 413", "none", "none"]
            ),
            ("a matching checksum commits", [.receive("ab"), .receive("c"), .bodyEnded], "abc", ["store ab", "store c", "commit"]),
            ("a checksum mismatch is 460", [.receive("ab"), .receive("d"), .bodyEnded], "abc", ["store ab", "store d", "refuse 460"]),
            (
                "cut off without a checksum: what arrived is kept", [.receive("ab"), .connectionClosed, .bodyEnded], nil,
                ["store ab", "keepWhatArrived", "none"]
            ),
            ("cut off with a checksum: nothing counts", [.receive("ab"), .connectionClosed], "abc", ["store ab", "rollBack"]),
            (
                "a storage failure is 500", [.receive("ab"), .storageFailed, .receive("c"), .bodyEnded], nil,
                ["store ab", "refuse 500", "none", "none"]
            ),
            (
                "terminated while writing: stop, then nothing",
                [.receive("ab"), .terminated, .receive("c"), .bodyEnded, .connectionClosed], nil,
                ["store ab", "stop", "none", "none", "none"]
            ),
            (
                "terminated once the body ended: the end goes on", [.receive("ab"), .bodyEnded, .terminated], nil,
                ["store ab", "commit", "none"]
            ),
            (
                "cut off after the body ended: the commit goes on", [.receive("ab"), .bodyEnded, .connectionClosed], nil,
                ["store ab", "commit", "none"]
            ),
            (
                "a refusal answers once", [.receive("abcdefg"), .storageFailed, .terminated, .connectionClosed], nil,
                ["refuse 413", "none", "none", "none"]
            ),
        ] as [(String, [Event], String?, [String])])
    func whatBecomesOfTheBytes(_ name: String, events: [Event], checksum: String?, actions: [String]) {
        #expect(Self.run(events, checksum: checksum) == actions, "\(name)")
    }

    @Test func theOffsetCountsWhatWasStored() {
        var machine = TusWriteStateMachine(start: 4, length: 10, checksum: nil)
        _ = machine.receive(ByteBuffer(string: "abc"))
        #expect(machine.received == 3)
        #expect(machine.offset == 7)
        _ = machine.receive(ByteBuffer(string: "defg"))  // past the length: not counted
        #expect(machine.offset == 7)
    }
}
