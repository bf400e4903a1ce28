import FileDropMultipart
import NIOCore
import NIOHTTP1
import Testing

@testable import FileDropServer

/// The upload's decisions, driven with tables of events and no channel, as swift-nio tests
/// its HTTP state machines: each case lists the events and every action they produce.
@Suite struct UploadStateMachineTests {
    typealias Action = UploadStateMachine.Action

    enum Step: Sendable {
        case part(String?, filename: String? = nil, contentType: String? = nil)
        case bytes([UInt8])
        case partEnd
        case bodyEnd
        case multipartError(MultipartError)
        case storageFailed
        case descriptionTaken
    }

    static func text(_ string: String) -> Step { .bytes(Array(string.utf8)) }
    static func file(_ bytes: [UInt8], named filename: String? = "a.txt", type: String? = nil) -> [Step] {
        [.part("inputFile", filename: filename, contentType: type), .bytes(bytes), .partEnd]
    }
    static func description(_ bytes: [UInt8]) -> [Step] { [.part("description"), .bytes(bytes), .partEnd] }
    static func description(_ text: String) -> [Step] { description(Array(text.utf8)) }
    static func opened(_ name: String = "a.txt", _ type: String = "application/octet-stream") -> Action {
        .openFile(filename: name, contentType: type)
    }
    static func appended(_ bytes: [UInt8]) -> Action { .appendToFile(ByteBuffer(bytes: bytes)) }
    static func failed(_ status: HTTPResponseStatus, _ message: String) -> Action { .fail(status, message) }

    static func run(_ steps: [Step], limit: Int64 = 100) -> [Action] {
        var machine = UploadStateMachine(maxFileSize: limit)
        var actions: [Action] = []
        for step in steps {
            let action: Action
            switch step {
            case .part(let name, let filename, let contentType):
                action = machine.receive(
                    .partBegin(MultipartPartHead(headers: [], name: name, filename: filename, contentType: contentType)))
            case .bytes(let bytes): action = machine.receive(.body(ByteBuffer(bytes: bytes)))
            case .partEnd: action = machine.receive(.partEnd)
            case .bodyEnd: action = machine.bodyEnded()
            case .multipartError(let error): action = machine.multipartFailed(error)
            case .storageFailed: action = machine.storageFailed(outOfSpace: false)
            case .descriptionTaken: action = machine.descriptionTaken()
            }
            if action != .none { actions.append(action) }
        }
        return actions
    }

    static let tooLong = "The description is too long (200 characters at most)"
    static let noFile = "No file: send it in the inputFile part"

    static let cases: [(String, [Step], [Action])] = [
        (
            "description first", description("notes") + file([1, 2, 3]) + [.bodyEnd],
            [opened(), appended([1, 2, 3]), .commit(description: "notes", size: 3, expiresIn: nil)]
        ),
        (
            "file first, typed", file([1], type: "text/plain") + description(" notes\n") + [.bodyEnd],
            [opened("a.txt", "text/plain"), appended([1]), .commit(description: "notes", size: 1, expiresIn: nil)]
        ),
        (
            "a zero-byte named file", file([], named: "e.txt") + description("d") + [.bodyEnd],
            [opened("e.txt"), appended([]), .commit(description: "d", size: 0, expiresIn: nil)]
        ),
        ("no inputFile part", description("d") + [.bodyEnd], [failed(.badRequest, noFile)]),
        (
            "a file under another name", description("d") + [.part("file", filename: "a.txt"), .bytes([1]), .partEnd, .bodyEnd],
            [failed(.badRequest, noFile)]
        ),
        (
            "a browser's empty choice", file([], named: "") + description("d") + [.bodyEnd],
            [opened("upload"), appended([]), failed(.badRequest, noFile)]
        ),
        (
            "an empty name with bytes", file([7], named: "") + description("d") + [.bodyEnd],
            [opened("upload"), appended([7]), .commit(description: "d", size: 1, expiresIn: nil)]
        ),
        (
            "a path in the name", file([7], named: "../x/b.txt") + description("d") + [.bodyEnd],
            [opened("b.txt"), appended([7]), .commit(description: "d", size: 1, expiresIn: nil)]
        ),
        (
            "two inputFile parts", file([1]) + file([2]) + [.bodyEnd],
            [opened(), appended([1]), failed(.badRequest, "Send one inputFile part per upload")]
        ),
        ("two description parts", description("a") + description("b"), [failed(.badRequest, "Send one description part per upload")]),
        ("description missing", file([1]) + [.bodyEnd], [opened(), appended([1]), failed(.badRequest, "A description is required")]),
        (
            "description blank", file([1]) + description(" \t\r\n") + [.bodyEnd],
            [opened(), appended([1]), failed(.badRequest, "A description is required")]
        ),
        (
            "200 scalars", file([1]) + description(String(repeating: "é", count: 200)) + [.bodyEnd],
            [opened(), appended([1]), .commit(description: String(repeating: "é", count: 200), size: 1, expiresIn: nil)]
        ),
        (
            "201 scalars", file([1]) + description(String(repeating: "é", count: 201)) + [.bodyEnd],
            [opened(), appended([1]), failed(.badRequest, tooLong)]
        ),
        (
            "over 4 KiB of description", [.part("description"), .bytes(Array(repeating: 0x61, count: 4096)), .bytes([0x61])],
            [failed(.badRequest, tooLong)]
        ),
        (
            "invalid UTF-8", file([1]) + description([0x66, 0xFF]) + [.bodyEnd],
            [opened(), appended([1]), failed(.badRequest, "The description is not valid UTF-8")]
        ),
        (
            "other parts within 64 KiB",
            [.part("note"), .bytes(Array(repeating: 0, count: 65_536)), .partEnd] + file([1]) + description("d") + [.bodyEnd],
            [opened(), appended([1]), .commit(description: "d", size: 1, expiresIn: nil)]
        ),
        (
            "other parts over 64 KiB", [.part("note"), .bytes(Array(repeating: 0, count: 65_536)), .part(nil), .bytes([0])],
            [failed(.badRequest, "Unexpected form fields are too large")]
        ),
        (
            "exactly the limit", description("d") + file(Array(repeating: 1, count: 60)) + [.bodyEnd],
            [opened(), appended(Array(repeating: 1, count: 60)), .commit(description: "d", size: 60, expiresIn: nil)]
        ),
        (
            "one byte over the limit",
            description("d") + [.part("inputFile", filename: "a.txt"), .bytes(Array(repeating: 1, count: 60)), .bytes([1]), .bytes([1])],
            [opened(), appended(Array(repeating: 1, count: 60)), failed(.payloadTooLarge, "The file is larger than the limit of 60 bytes")]
        ),
        (
            "a malformed body", description("d") + [.multipartError(.malformed("junk after the boundary")), .bodyEnd],
            [failed(.badRequest, "Malformed multipart body: junk after the boundary")]
        ),
        (
            "a cut-off body", file([1]) + [.multipartError(.truncated)],
            [opened(), appended([1]), failed(.badRequest, "The upload was cut off before its end")]
        ),
        ("too many parts", [.multipartError(.tooManyParts)], [failed(.badRequest, "Too many parts in the form")]),
        ("a huge part head", [.multipartError(.partHeaderTooLarge)], [failed(.badRequest, "A part's headers are too large")]),
        (
            "storage fails while receiving", file([1]) + [.storageFailed, .bodyEnd],
            [opened(), appended([1]), failed(.internalServerError, "Could not store the file")]
        ),
        (
            "storage fails during the commit", file([1]) + description("d") + [.bodyEnd, .storageFailed],
            [opened(), appended([1]), .commit(description: "d", size: 1, expiresIn: nil)]
        ),
        (
            "the description is taken", file([1]) + description("d") + [.bodyEnd, .descriptionTaken],
            [
                opened(), appended([1]), .commit(description: "d", size: 1, expiresIn: nil),
                failed(.conflict, "A file with this description already exists"),
            ]
        ),
        (
            "nothing after a failure", file([1]) + file([2]) + [.bytes([3]), .bodyEnd, .storageFailed, .descriptionTaken],
            [opened(), appended([1]), failed(.badRequest, "Send one inputFile part per upload")]
        ),
    ]

    @Test(arguments: cases)
    func actions(name: String, steps: [Step], expected: [Action]) {
        let limit: Int64 = name.contains("limit") ? 60 : 1 << 20
        #expect(Self.run(steps, limit: limit) == expected, "\(name)")
    }

    @Test(
        arguments: [
            ("text/plain", 10, UploadStateMachine.HeadDecision.refuse(.unsupportedMediaType, "Send the file as multipart/form-data")),
            (nil, 10, .refuse(.unsupportedMediaType, "Send the file as multipart/form-data")),
            ("multipart/form-data", 10, .refuse(.badRequest, "multipart/form-data needs a boundary")),
            ("multipart/form-data; boundary=b", 10, .accept(boundary: "b")),
            ("multipart/form-data; boundary=b", nil, .accept(boundary: "b")),
            ("multipart/form-data; boundary=b", 100 + (1 << 20), .accept(boundary: "b")),
            (
                "multipart/form-data; boundary=b", 101 + (1 << 20),
                .refuse(.payloadTooLarge, "The file is larger than the limit of 100 bytes")
            ),
        ] as [(String?, Int?, UploadStateMachine.HeadDecision)])
    func headDecisions(contentType: String?, declared: Int?, expected: UploadStateMachine.HeadDecision) {
        #expect(UploadStateMachine.decide(contentType: contentType, declaredBodyLength: declared, maxFileSize: 100) == expected)
    }
}
