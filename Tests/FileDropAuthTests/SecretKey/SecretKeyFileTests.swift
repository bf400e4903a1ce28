import Glibc
import Testing

@testable import FileDropAuth

/// A fresh temporary folder, removed with its files when the test ends.
private final class TemporaryFolder {
    let path: String

    init() {
        var template = Array("/tmp/filedrop-auth-XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
                }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(directory)
        }
        rmdir(path)
    }

    /// Writes `contents` to `name` with `mode`, returning the file's path.
    func file(_ name: String, contents: [UInt8], mode: mode_t = 0o600) -> String {
        let filePath = path + "/" + name
        let descriptor = open(filePath, O_WRONLY | O_CREAT | O_TRUNC, mode)
        precondition(descriptor >= 0, "open failed")
        _ = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        fchmod(descriptor, mode)  // not subject to the umask
        close(descriptor)
        return filePath
    }
}

private func contents(of path: String) -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 1024)
    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
    return Array(buffer.prefix(max(count, 0)))
}

private func mode(of path: String) -> mode_t {
    var status = stat()
    precondition(stat(path, &status) == 0)
    return status.st_mode & 0o7777
}

private let validKey = Array("an example key of more than 32 bytes, as it is".utf8)

@Test func missingFileIsCreatedWithMode0600AndAHexKey() throws {
    let folder = TemporaryFolder()
    let path = folder.path + "/secret.key"
    let (key, created) = try SecretKeyFile.loadOrCreate(path: path)
    #expect(created)
    #expect(mode(of: path) == 0o600)
    let bytes = contents(of: path)
    #expect(bytes.count == 65)
    #expect(bytes.last == UInt8(ascii: "\n"))
    #expect(bytes.dropLast().allSatisfy { Array("0123456789abcdef".utf8).contains($0) })
    #expect(key == Array(bytes.dropLast()))  // the hex text itself is the key
    // The second start reads the same key.
    let again = try SecretKeyFile.loadOrCreate(path: path)
    #expect(again.created == false)
    #expect(again.key == key)
}

/// A key file's contents and the key expected from it.
struct KeyFileCase: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let contents: [UInt8]
    let key: [UInt8]

    static let all: [KeyFileCase] = {
        let key = validKey
        let newline: [UInt8] = [0x0A]
        let carriageReturn: [UInt8] = [0x0D]
        return [
            KeyFileCase(testDescription: "\\n removed", contents: key + newline, key: key),
            KeyFileCase(testDescription: "\\r\\n removed", contents: key + carriageReturn + newline, key: key),
            KeyFileCase(testDescription: "no newline", contents: key, key: key),
            KeyFileCase(
                testDescription: "only one of two newlines removed",
                contents: key + newline + newline,
                key: key + newline
            ),
            KeyFileCase(testDescription: "a lone \\r kept", contents: key + carriageReturn, key: key + carriageReturn),
            KeyFileCase(testDescription: "inner newlines kept", contents: newline + key + newline, key: newline + key),
        ]
    }()
}

@Test(arguments: KeyFileCase.all)
func existingKeyLosesOneTrailingNewline(_ testCase: KeyFileCase) throws {
    let folder = TemporaryFolder()
    let path = folder.file("secret.key", contents: testCase.contents)
    let (key, created) = try SecretKeyFile.loadOrCreate(path: path)
    #expect(!created)
    #expect(key == testCase.key)
}

@Test(arguments: [[], Array("\n".utf8), Array("\r\n".utf8)] as [[UInt8]])
func emptyKeyIsRefused(_ fileContents: [UInt8]) {
    let folder = TemporaryFolder()
    let path = folder.file("secret.key", contents: fileContents)
    #expect(throws: SecretKeyFile.Failure.empty(path: path)) { try SecretKeyFile.loadOrCreate(path: path) }
}

@Test func thirtyOneByteKeyIsRefusedAndThirtyTwoAccepted() throws {
    let folder = TemporaryFolder()
    let short = folder.file("short.key", contents: [UInt8](repeating: UInt8(ascii: "k"), count: 31) + [10])
    #expect(throws: SecretKeyFile.Failure.tooShort(path: short, length: 31)) {
        try SecretKeyFile.loadOrCreate(path: short)
    }
    let enough = folder.file("enough.key", contents: [UInt8](repeating: UInt8(ascii: "k"), count: 32) + [10])
    #expect(try SecretKeyFile.loadOrCreate(path: enough).key.count == 32)
}

@Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o602, 0o620, 0o610] as [mode_t])
func fileOpenToGroupOrOthersIsRefused(_ fileMode: mode_t) {
    let folder = TemporaryFolder()
    let path = folder.file("secret.key", contents: validKey, mode: fileMode)
    #expect(throws: SecretKeyFile.Failure.tooOpen(path: path, mode: UInt32(fileMode))) {
        try SecretKeyFile.loadOrCreate(path: path)
    }
}

@Test func ownerOnlyModesAreAccepted() throws {
    let folder = TemporaryFolder()
    for fileMode: mode_t in [0o400, 0o600, 0o700] {
        let path = folder.file("secret-\(fileMode).key", contents: validKey, mode: fileMode)
        #expect(try SecretKeyFile.loadOrCreate(path: path).key == validKey)
    }
}

@Test func tooOpenMessageNamesTheFix() {
    let failure = SecretKeyFile.Failure.tooOpen(path: "./secret.key", mode: 0o644)
    #expect(
        failure.message
            == "secret key file ./secret.key is accessible by group or others (mode 0644); run: chmod 600 ./secret.key"
    )
}

@Test func unreadableAndUncreatablePathsFailClearly() throws {
    let folder = TemporaryFolder()
    let missingFolder = folder.path + "/no/such/folder/secret.key"
    #expect(throws: SecretKeyFile.Failure.notCreatable(path: missingFolder, reason: "No such file or directory")) {
        try SecretKeyFile.loadOrCreate(path: missingFolder)
    }
    #expect(throws: SecretKeyFile.Failure.unreadable(path: folder.path, reason: "not a regular file")) {
        try SecretKeyFile.loadOrCreate(path: folder.path)
    }
    let dangling = folder.path + "/dangling.key"
    symlink(folder.path + "/nowhere", dangling)
    #expect(
        throws: SecretKeyFile.Failure.notCreatable(
            path: dangling,
            reason: "it exists but cannot be opened (a dangling symbolic link?)"
        )
    ) {
        try SecretKeyFile.loadOrCreate(path: dangling)
    }
}

@Test func messagesAreOneLineAndNeverContainTheKey() throws {
    let folder = TemporaryFolder()
    let secret = "s3cr3t-abcdefghijklmnopqrstuvwxyz-0123456789"
    var failures: [SecretKeyFile.Failure] = []
    for (name, fileContents, fileMode) in [
        ("open.key", Array(secret.utf8), 0o644 as mode_t),
        ("short.key", Array(secret.prefix(20).utf8), 0o600),
        ("empty.key", [], 0o600),
    ] {
        let path = folder.file(name, contents: fileContents, mode: fileMode)
        do {
            _ = try SecretKeyFile.loadOrCreate(path: path)
            Issue.record("\(name) was accepted")
        } catch {
            failures.append(error)
        }
    }
    failures += [
        .unreadable(path: "k", reason: "Permission denied"), .notCreatable(path: "k", reason: "Read-only file system"),
    ]
    for failure in failures {
        #expect(!failure.message.contains(secret.prefix(12)))
        #expect(!failure.message.contains("\n"))
        #expect(failure.message.contains("secret key file"))
        #expect("\(failure)" == failure.message)
    }
}
