import FileDropMultipart
import Testing

@Suite struct UploadFilenameTests {
    static let cases: [(raw: String?, cleaned: String)] = [
        (nil, "upload"),
        ("", "upload"),
        ("report.pdf", "report.pdf"),
        ("caf\u{E9} \u{20AC} \u{1F600}.txt", "caf\u{E9} \u{20AC} \u{1F600}.txt"),
        ("/etc/passwd", "passwd"),
        ("../../secret", "secret"),
        ("C:\\Users\\me\\Desktop\\notes.txt", "notes.txt"),
        ("mixed/dir\\and/file.bin", "file.bin"),
        ("dir/", "upload"),
        ("dir\\", "upload"),
        (".", "upload"),
        ("..", "upload"),
        ("a/..", "upload"),
        ("...", "..."),
        (" spaced name ", " spaced name "),
        ("tab\there\u{0}nul\r\nnewline", "tabherenulnewline"),
        ("del\u{7F}c1\u{80}\u{85}\u{9F}kept\u{A0}", "delc1kept\u{A0}"),
        ("\u{1}\u{2}\u{1F}", "upload"),
        ("a/\u{1}", "upload"),
        (".\u{0}.", "upload"),
    ]

    @Test(arguments: cases)
    func cleans(raw: String?, cleaned: String) {
        #expect(UploadFilename.clean(raw) == cleaned)
    }

    @Test func longNamesAreCutTo255BytesOnAScalarBoundary() {
        // 100 two-byte, then 100 three-byte scalars: 500 bytes; 255 falls inside a scalar.
        let raw = String(repeating: "\u{E9}", count: 100) + String(repeating: "\u{20AC}", count: 100)
        let cleaned = UploadFilename.clean(raw)
        #expect(cleaned.utf8.count == 254)
        #expect(cleaned == String(repeating: "\u{E9}", count: 100) + String(repeating: "\u{20AC}", count: 18))
    }

    @Test(arguments: [254, 255, 256, 300])
    func asciiNamesKeepAtMost255Bytes(length: Int) {
        let cleaned = UploadFilename.clean("dir/" + String(repeating: "a", count: length))
        #expect(cleaned == String(repeating: "a", count: min(length, 255)))
    }

    @Test func fourByteScalarsAreNeverSplit() {
        let cleaned = UploadFilename.clean(String(repeating: "\u{1F600}", count: 75))  // 300 bytes
        #expect(cleaned == String(repeating: "\u{1F600}", count: 63))  // 252 bytes
    }

    @Test func controlCharactersAreRemovedBeforeCounting() {
        let raw = String(repeating: "\u{1}", count: 50) + String(repeating: "b", count: 255)
        #expect(UploadFilename.clean(raw) == String(repeating: "b", count: 255))
    }
}
