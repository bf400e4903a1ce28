import Testing

@testable import FileDropStorage

/// Search through the real FTS5 index: prefixes, case, diacritics, both columns, paging, and
/// the index kept in step with edits and deletes by the triggers.
@Suite struct FileStoreSearchTests {
    private func search(_ temporary: TemporaryDatabase, _ text: String, limit: Int = 100, after: FileCursor? = nil) throws -> [String] {
        try temporary.storage.files.list(limit: limit, after: after, now: 0, search: FileSearch(text)).map(\.description)
    }

    private func seeded() throws -> TemporaryDatabase {
        let temporary = try TemporaryDatabase()
        try temporary.storeFile(description: "Über alles", filename: "lied.txt", now: 1)
        try temporary.storeFile(description: "Café crème receipts", filename: "Q3-report_final.PDF", now: 2)
        try temporary.storeFile(description: "U\u{308}ber decomposed", filename: "nfd.txt", now: 3)
        try temporary.storeFile(description: "holiday photos", filename: "IMG_0001.jpg", now: 4)
        try temporary.storeFile(description: "a OR b", filename: "logic.txt", now: 5)
        return temporary
    }

    @Test(arguments: [
        ("uber", ["U\u{308}ber decomposed", "Über alles"]),
        ("ÜBER", ["U\u{308}ber decomposed", "Über alles"]),
        ("über all", ["Über alles"]),
        ("cafe", ["Café crème receipts"]),
        ("CRÈME rec", ["Café crème receipts"]),
        ("report", ["Café crème receipts"]),  // a word of the file name
        ("q3 fin pdf", ["Café crème receipts"]),
        ("receipts report", ["Café crème receipts"]),  // one word in each column
        ("img 0001", ["holiday photos"]),
        ("photos cafe", []),  // every word must match
        ("eceipts", []),  // prefixes only
        ("OR", ["a OR b"]),  // a word, not an operator
        ("\"uber", ["U\u{308}ber decomposed", "Über alles"]),
        ("uber*", ["U\u{308}ber decomposed", "Über alles"]),
        ("", ["a OR b", "holiday photos", "U\u{308}ber decomposed", "Café crème receipts", "Über alles"]),
        ("* : ^", ["a OR b", "holiday photos", "U\u{308}ber decomposed", "Café crème receipts", "Über alles"]),
    ])
    func searchesMatchWordPrefixesFoldedNewestFirst(text: String, expected: [String]) throws {
        let temporary = try seeded()
        #expect(try search(temporary, text) == expected)
    }

    @Test func pagingWithASearchFollowsTheCursor() throws {
        let temporary = try TemporaryDatabase()
        for index in 0..<7 {
            try temporary.storeFile(description: "match \(index)", now: Int64(100 + index))
            try temporary.storeFile(description: "other \(index)", now: Int64(100 + index))
        }
        let first = try temporary.storage.files.list(limit: 3, now: 0, search: FileSearch("match"))
        #expect(first.map(\.description) == ["match 6", "match 5", "match 4"])
        let cursor = FileCursor(createdAt: first[2].createdAt, id: first[2].id)
        #expect(try search(temporary, "match", limit: 3, after: cursor) == ["match 3", "match 2", "match 1"])
    }

    @Test func theIndexFollowsEditsAndDeletes() throws {
        let temporary = try seeded()
        let files = temporary.storage.files
        let photos = try #require(try files.list(limit: 10, now: 0, search: FileSearch("holiday")).first)
        _ = try files.update(id: photos.id, changes: FileChanges(description: "beach pictures"), now: 0)
        #expect(try search(temporary, "holiday").isEmpty)
        #expect(try search(temporary, "beach") == ["beach pictures"])
        #expect(try search(temporary, "img") == ["beach pictures"])
        #expect(try files.delete(id: photos.id, now: 0) != nil)
        #expect(try search(temporary, "beach").isEmpty)
        // An unfinished upload is never found, and a crash's leftovers leave the index sound.
        _ = try files.beginUpload(filename: "beach.bin", contentType: "t", uploadedBy: "ann", chunkSize: 4, now: 9)
        #expect(try search(temporary, "beach").isEmpty)
        try files.sweepIncompleteUploads(startedBefore: .max)
        try temporary.reclaimAll()
        try temporary.storage.database.execute("INSERT INTO files_search (files_search) VALUES ('integrity-check')")
    }

    @Test func expiredFilesAreNotFound() throws {
        let temporary = try TemporaryDatabase()
        try temporary.storeFile(description: "soon gone", now: 1, expiresAt: 5000)
        #expect(try temporary.storage.files.list(limit: 10, now: 4999, search: FileSearch("soon")).count == 1)
        #expect(try temporary.storage.files.list(limit: 10, now: 5000, search: FileSearch("soon")).isEmpty)
    }
}
