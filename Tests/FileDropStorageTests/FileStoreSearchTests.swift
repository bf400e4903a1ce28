import Glibc
import Testing

@testable import FileDropStorage

/// Search through the real FTS5 index: prefixes, case, diacritics, both columns, paging, the
/// index kept in step with edits and deletes by the triggers, and new files indexed after
/// their upload's commit (by a step, or by the next search) exactly as a rebuild would.
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

    /// Every (term, file, column, position) the index holds, sorted: equal for two indexes
    /// exactly when they index the same words of the same files.
    private func indexEntries(_ temporary: TemporaryDatabase) throws -> [String] {
        let database = temporary.storage.database
        try database.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_terms USING fts5vocab(main, files_search, 'instance')")
        let query = try database.statement("SELECT term, doc, col, offset FROM temp.search_terms ORDER BY 1, 2, 3, 4")
        defer { query.reset() }
        var entries: [String] = []
        while try query.step() {
            entries.append("\(query.string(at: 0)) \(query.int64(at: 1)) \(query.string(at: 2)) \(query.int64(at: 3))")
        }
        return entries
    }

    /// What `rebuild` (indexing every row of `files` from scratch) gives: the index must hold
    /// exactly that once it has caught up.
    private func expectIndexMatchesAFreshRebuild(_ temporary: TemporaryDatabase) throws {
        let kept = try indexEntries(temporary)
        try temporary.storage.database.execute("INSERT INTO files_search (files_search) VALUES ('rebuild')")
        #expect(try indexEntries(temporary) == kept)
        #expect(!kept.isEmpty)
    }

    @Test func newFilesWaitForIndexingAndASearchIndexesThemFirst() throws {
        let temporary = try seeded()
        let files = temporary.storage.files
        #expect(try files.hasFilesToIndex)
        #expect(try temporary.count("files_search_docsize") == 0)  // the uploads' commits wrote nothing there
        #expect(try search(temporary, "uber") == ["U\u{308}ber decomposed", "Über alles"])
        #expect(try !files.hasFilesToIndex)
        #expect(try temporary.count("files_search_docsize") == 5)
        #expect(try !files.indexFilesForSearch())
        try expectIndexMatchesAFreshRebuild(temporary)
    }

    @Test func indexingInStepsTakesTheOldestFirst() throws {
        let temporary = try seeded()
        let files = temporary.storage.files
        #expect(try files.indexFilesForSearch(limit: 2))
        #expect(try temporary.count("files_search_docsize") == 2)
        #expect(try files.indexFilesForSearch(limit: 2))
        #expect(try !files.indexFilesForSearch(limit: 2))
        #expect(try temporary.count("files_search_docsize") == 5)
        try expectIndexMatchesAFreshRebuild(temporary)
    }

    /// Edits, deletes and unfinished uploads of files the index has not reached yet, mixed
    /// with indexed ones: the index ends up as a rebuild from scratch would make it.
    @Test func changesBeforeAFileIsIndexedLeaveTheIndexExact() throws {
        let temporary = try TemporaryDatabase()
        let files = temporary.storage.files
        let indexed = try temporary.storeFile(description: "indexed early", filename: "early.txt", now: 1)
        try files.indexFilesForSearch()
        let renamed = try temporary.storeFile(description: "holiday photos", filename: "IMG_1.jpg", now: 2)
        let deleted = try temporary.storeFile(description: "gone soon", filename: "old.txt", now: 3)
        let pending = try files.beginUpload(filename: "pending.bin", contentType: "t", uploadedBy: "ann", chunkSize: 4, now: 4)
        _ = try files.update(id: renamed.id, changes: FileChanges(description: "beach pictures"), now: 5)
        _ = try files.update(id: indexed.id, changes: FileChanges(description: "indexed renamed"), now: 5)
        #expect(try files.delete(id: deleted.id, now: 6) != nil)
        #expect(try search(temporary, "holiday").isEmpty)
        #expect(try search(temporary, "beach") == ["beach pictures"])
        #expect(try search(temporary, "gone").isEmpty)
        #expect(try search(temporary, "indexed") == ["indexed renamed"])
        // The unfinished upload was indexed with what it held; completing it re-indexes it.
        #expect(try search(temporary, "pending").isEmpty)
        _ = try files.completeUpload(fileID: pending, description: "finished late", size: 0, sha256: "00", now: 7)
        #expect(try search(temporary, "late") == ["finished late"])
        try temporary.reclaimAll()
        try temporary.storage.database.execute("INSERT INTO files_search (files_search) VALUES ('integrity-check')")
        try expectIndexMatchesAFreshRebuild(temporary)
    }

    /// A database made before migration 6 indexed every file in its upload's commit: they
    /// stay indexed, and files stored after the migration wait for indexing.
    @Test func aDatabaseFromBeforeDeferredIndexingKeepsItsIndex() throws {
        let temporary = try TemporaryDatabase()
        let path = temporary.folder + "/old.db"
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        do {
            let old = try Database(path: path)
            defer { old.close() }
            for version in 0..<5 {
                try old.execute(Migrations.all[version])
            }
            try old.execute("PRAGMA user_version = 5")
            try old.execute(
                """
                INSERT INTO files (description, filename, content_type, chunk_size, created_at, uploaded_by, complete)
                VALUES ('old report', 'a.pdf', 't', 4, 1, 'ann', 1), ('old photos', 'b.jpg', 't', 4, 2, 'ann', 1)
                """
            )
        }
        let storage = try Storage(path: path)
        defer { storage.close() }
        #expect(try storage.database.scalarInt("SELECT indexed_through FROM search_progress") == 2)
        #expect(try !storage.files.hasFilesToIndex)
        #expect(try storage.files.list(limit: 10, now: 0, search: FileSearch("old")).map(\.description) == ["old photos", "old report"])
        _ = try storage.files.update(id: 1, changes: FileChanges(description: "new report"), now: 3)
        #expect(try storage.files.list(limit: 10, now: 0, search: FileSearch("report")).map(\.description) == ["new report"])
    }

    @Test func expiredFilesAreNotFound() throws {
        let temporary = try TemporaryDatabase()
        try temporary.storeFile(description: "soon gone", now: 1, expiresAt: 5000)
        #expect(try temporary.storage.files.list(limit: 10, now: 4999, search: FileSearch("soon")).count == 1)
        #expect(try temporary.storage.files.list(limit: 10, now: 5000, search: FileSearch("soon")).isEmpty)
    }
}
