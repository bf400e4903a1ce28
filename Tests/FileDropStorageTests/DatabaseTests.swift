import FileDropSystem
import Glibc
import Testing

@testable import FileDropStorage

@Suite struct DatabaseTests {
    @Test func opensInWALWithIncrementalVacuumAndForeignKeys() throws {
        let temporary = try TemporaryDatabase()
        let database = temporary.storage.database
        #expect(try database.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try database.scalarInt("PRAGMA auto_vacuum") == 2)  // incremental
        #expect(try database.scalarInt("PRAGMA foreign_keys") == 1)
        #expect(try database.scalarText("PRAGMA quick_check") == "ok")
        #expect(try temporary.storage.database.scalarInt("PRAGMA page_size") == 8_192)
    }

    /// Ten 10 KiB files, each in its own commit, as small uploads come.
    private func storeSmallFiles(_ storage: Storage, from first: Int) throws {
        let bytes = [UInt8](repeating: 9, count: 10 << 10)
        for index in first..<first + 10 {
            _ = try bytes.withUnsafeBytes {
                try storage.files.storeSmallUpload(
                    filename: "f", contentType: "t", uploadedBy: "ann", chunkSize: 1 << 20, bytes: $0,
                    description: "small \(index)", sha256: "00", now: 1, durable: false
                )
            }
        }
    }

    /// A copy of the database and its `-wal` file as a crash would leave them, opened again:
    /// the files stored by then.
    private func descriptionsAfterACrash(_ temporary: TemporaryDatabase) throws -> [String] {
        let copy = temporary.folder + "/crash.db"
        for suffix in ["", "-wal"] {
            let source = open(temporary.path + suffix, O_RDONLY)
            let target = open(copy + suffix, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            defer { close(source); close(target) }
            try FileSystem.writeAll(target, FileSystem.readAll(source, limit: 1 << 30))
        }
        defer { for suffix in ["", "-wal", "-shm"] { unlink(copy + suffix) } }
        let storage = try Storage(path: copy, checkpointOnClose: false)
        defer { storage.close() }
        #expect(try storage.integrityCheck() == ["ok"])
        return try storage.files.list(limit: 100, now: 0).map(\.description).sorted()
    }

    /// Zeros after the last frame of the `-wal` file (the start of a server makes it this long)
    /// are ignored by recovery, before and after more commits write over them.
    @Test func aWALExtendedWithZerosRecoversItsFramesOnly() throws {
        let temporary = try TemporaryDatabase()
        try storeSmallFiles(temporary.storage, from: 0)
        let frames = temporary.fileSize("-wal")
        try temporary.storage.extendWAL(to: Int64(frames) + (2 << 20))
        #expect(temporary.fileSize("-wal") == frames + (2 << 20))
        try temporary.storage.extendWAL(to: 1 << 20)  // never shortens
        #expect(temporary.fileSize("-wal") == frames + (2 << 20))
        #expect(try descriptionsAfterACrash(temporary).count == 10)
        try storeSmallFiles(temporary.storage, from: 10)
        #expect(temporary.fileSize("-wal") == frames + (2 << 20))  // written over the zeros
        #expect(try descriptionsAfterACrash(temporary) == (0..<20).map { "small \($0)" }.sorted())
    }

    @Test func aCopiedWALUpToTheKeptSizeIsKeptAndOverwrittenLargerOnesAreTruncated() throws {
        let temporary = try TemporaryDatabase()
        let storage = temporary.storage
        let checkpoints = try CheckpointConnection(path: temporary.path)
        defer { checkpoints.close() }
        try storeSmallFiles(storage, from: 0)
        let grown = temporary.fileSize("-wal")
        #expect(grown > 0)
        #expect(storage.walContentBytes > 10 * storage.database.pageBytes)
        // Kept: copied in full, the file left as it is.
        let kept = try checkpoints.checkpoint(keepingWALUpTo: Int64(grown))
        #expect(kept.complete && !kept.truncated)
        #expect(temporary.fileSize("-wal") == grown)
        // The next commits start it over: they overwrite it, and it does not grow.
        try storeSmallFiles(storage, from: 10)
        #expect(temporary.fileSize("-wal") == grown)
        #expect(storage.walContentBytes < Int64(grown))
        // Larger than what may be kept: truncated.
        let truncated = try checkpoints.checkpoint(keepingWALUpTo: Int64(grown) - 1)
        #expect(truncated.complete && truncated.truncated)
        #expect(temporary.fileSize("-wal") == 0)
        #expect(try storage.files.record(id: 20, now: 1)?.description == "small 19")
    }

    @Test func theWALIndexTellsWhatIsNotYetCopiedWhereTheFileSizeCannot() throws {
        let temporary = try TemporaryDatabase()
        let storage = temporary.storage
        let checkpoints = try CheckpointConnection(path: temporary.path)
        defer { checkpoints.close() }
        try storeSmallFiles(storage, from: 0)
        // Every frame written since the WAL started over, none copied yet.
        #expect(storage.walUncopiedBytes == storage.walContentBytes)
        #expect(storage.walUncopiedBytes > 10 * storage.database.pageBytes)
        let kept = try checkpoints.checkpoint(keepingWALUpTo: Int64(temporary.fileSize("-wal")))
        #expect(kept.complete && temporary.fileSize("-wal") > 0)
        #expect(storage.walUncopiedBytes == 0)
        try storeSmallFiles(storage, from: 10)
        #expect(storage.walUncopiedBytes == storage.walContentBytes)
        #expect(storage.walUncopiedBytes > 0)
        // A closed connection has nothing to read it through (the storage thread's statistics
        // still ask after the job that closes it).
        let other = try Database(path: temporary.path)
        #expect(other.walUncopiedBytes != nil)
        other.close()
        #expect(other.walUncopiedBytes == nil)
    }

    @Test func aLargerCopiedWALIsKeptForReuseOnlyWithRoomOnTheDisk() throws {
        let temporary = try TemporaryDatabase()
        let storage = temporary.storage
        let checkpoints = try CheckpointConnection(path: temporary.path)
        defer { checkpoints.close() }
        try storeSmallFiles(storage, from: 0)
        let grown = Int64(temporary.fileSize("-wal"))
        let free = try FileSystem.availableBytes(at: temporary.path)
        // Just written, so in memory; the disk has room: kept although over `keep`.
        let roomy = WALReuse(upTo: grown, minFreeBytes: 0)
        let kept = try checkpoints.checkpoint(keepingWALUpTo: 0, reuse: roomy)
        #expect(kept.complete && !kept.truncated)
        #expect(Int64(temporary.fileSize("-wal")) == grown)
        // Longer than `upTo`, or without room for the database to grow by twice its size: truncated.
        try storeSmallFiles(storage, from: 10)
        #expect(try checkpoints.checkpoint(reuse: WALReuse(upTo: grown - 1, minFreeBytes: 0)).truncated)
        try storeSmallFiles(storage, from: 20)
        let size = Int64(temporary.fileSize("-wal"))
        let cramped = WALReuse(upTo: size, minFreeBytes: free - 2 * size + (1 << 30))
        #expect(try checkpoints.checkpoint(reuse: cramped).truncated)
        #expect(temporary.fileSize("-wal") == 0)
    }

    @Test func recyclingTheWALOnTheStorageConnectionMakesTheNextCommitStartItOver() throws {
        let temporary = try TemporaryDatabase()
        let storage = temporary.storage
        try storeSmallFiles(storage, from: 0)
        let grown = temporary.fileSize("-wal")
        let content = storage.walContentBytes
        let recycled = try storage.recycleWAL()
        #expect(recycled.complete && !recycled.truncated)
        try storeSmallFiles(storage, from: 10)
        #expect(temporary.fileSize("-wal") == grown)
        #expect(storage.walContentBytes <= content)
        // What was copied and what was written since are all there.
        #expect(try storage.database.scalarInt("SELECT count(*) FROM files WHERE complete = 1") == 20)
        #expect(try storage.database.scalarText("PRAGMA integrity_check") == "ok")
    }

    @Test func openingAnExistingDatabaseWritesNothing() throws {
        let temporary = try TemporaryDatabase()
        #expect(try temporary.storage.checkpointNow().truncated)
        #expect(temporary.fileSize("-wal") == 0)
        let again = try Database(path: temporary.path)
        defer { again.close() }
        #expect(try again.scalarInt("PRAGMA auto_vacuum") == 2)
        #expect(again.pageBytes == Int64(Database.pageSize))
        #expect(temporary.fileSize("-wal") == 0)
    }

    @Test func aDatabaseMadeWith64KiBPagesKeepsThemAndGivesSpaceBackInWholePages() throws {
        let temporary = try TemporaryDatabase()
        let older = temporary.folder + "/older.db"
        defer { for suffix in ["", "-wal", "-shm"] { unlink(older + suffix) } }
        // What an earlier FileDrop made: 64 KiB pages, set before WAL was on.
        let plain = try Database(path: older, configure: false)
        try plain.execute("PRAGMA page_size = 65536")
        try plain.execute("PRAGMA auto_vacuum = INCREMENTAL")
        _ = try plain.scalarText("PRAGMA journal_mode = WAL")
        try plain.execute("CREATE TABLE kept (x)")
        plain.close()
        let storage = try Storage(path: older)
        defer { storage.close() }
        #expect(storage.database.pageBytes == 65_536)
        let id = try storage.files.beginUpload(
            filename: "a.bin", contentType: "application/octet-stream", uploadedBy: "ann", chunkSize: 1 << 20, now: 1)
        let chunk = [UInt8](repeating: 3, count: 1 << 20)
        for sequence in 0..<3 {
            try chunk.withUnsafeBytes { try storage.files.writeChunk(fileID: id, sequence: Int64(sequence), bytes: $0) }
        }
        let record = try storage.files.completeUpload(fileID: id, description: "old", size: 3 << 20, sha256: "00", now: 1)
        _ = try storage.checkpointNow()
        #expect(try storage.files.delete(id: record.id, now: 0) != nil)
        var vacuumed: [Int64] = []
        while true {
            let progress = try storage.reclaimStep(ReclaimLimits(chunksPerStep: 16, vacuumBytesPerStep: 1 << 20))
            if case .vacuumed(let pages) = progress { vacuumed.append(pages) }
            if progress == .finished { break }
        }
        // 1 MiB steps of 64 KiB pages: at most 16 pages each.
        #expect(!vacuumed.isEmpty && vacuumed.allSatisfy { $0 <= 16 })
        #expect(try storage.database.freePageCount() == 0)
    }

    @Test func nothingCheckpointsByItselfAndUnderLitestreamNothingCutsTheWAL() throws {
        let temporary = try TemporaryDatabase()
        #expect(try temporary.storage.database.scalarInt("PRAGMA wal_autocheckpoint") == 0)
        #expect(try temporary.storage.database.scalarInt("PRAGMA journal_size_limit") == Database.walSizeLimit)
        let underLitestream = try Storage(path: temporary.path, checkpointOnClose: false)
        #expect(try underLitestream.database.scalarInt("PRAGMA wal_autocheckpoint") == 0)
        #expect(try underLitestream.database.scalarInt("PRAGMA journal_size_limit") == -1)
        underLitestream.close()
    }

    @Test func migrationsSetTheUserVersionAndRunOnce() throws {
        let temporary = try TemporaryDatabase()
        #expect(try temporary.storage.database.scalarInt("PRAGMA user_version") == Int64(Migrations.all.count))
        // Opening again finds the schema current and changes nothing.
        let again = try Storage(path: temporary.path)
        #expect(try again.database.scalarInt("PRAGMA user_version") == Int64(Migrations.all.count))
        again.close()
    }

    @Test func errorsCarryCodeMessageAndSQLButNoValues() throws {
        let temporary = try TemporaryDatabase()
        let database = temporary.storage.database
        do {
            try database.execute("SELECT * FROM no_such_table")
            Issue.record("expected an error")
        } catch {
            #expect(error.primaryCode == 1)
            #expect(error.message.contains("no_such_table"))
            #expect(error.sql == "SELECT * FROM no_such_table")
        }
        try temporary.storage.users.add(name: "ann", passwordHash: "secret-hash-value", now: 1)
        do {
            try temporary.storage.users.add(name: "ann", passwordHash: "secret-hash-value", now: 2)
            Issue.record("expected a duplicate")
        } catch let error as UserStoreError {
            #expect(error == .alreadyExists("ann"))
            #expect(!String(describing: error).contains("secret-hash-value"))
        }
    }

    @Test func anUnopenablePathThrows() {
        #expect(throws: DatabaseError.self) {
            _ = try Storage(path: "/nonexistent-folder/sub/app.db")
        }
    }

    @Test func transactionsRollBackWhenTheBodyThrows() throws {
        struct Stop: Error {}
        let temporary = try TemporaryDatabase()
        let database = temporary.storage.database
        #expect(throws: Stop.self) {
            try database.transaction {
                try temporary.storage.users.add(name: "bob", passwordHash: "h", now: 1)
                throw Stop()
            }
        }
        #expect(try temporary.storage.users.count() == 0)
        // A durable transaction commits (and leaves the connection usable afterwards).
        try database.transaction(durable: true) {
            try temporary.storage.users.add(name: "bob", passwordHash: "h", now: 1)
        }
        #expect(try temporary.storage.users.count() == 1)
        #expect(try database.scalarInt("PRAGMA synchronous") == 1)
    }

    @Test func dataVersionChangesOnlyForOtherConnectionsWrites() throws {
        let temporary = try TemporaryDatabase()
        let storage = temporary.storage
        let before = try storage.dataVersion()
        try storage.users.add(name: "own", passwordHash: "h", now: 1)
        #expect(try storage.dataVersion() == before)
        let other = try Storage(path: temporary.path)
        try other.users.add(name: "other", passwordHash: "h", now: 1)
        other.close()
        #expect(try storage.dataVersion() != before)
    }

    @Test func pingAnswersWhileTheDatabaseIsOpen() throws {
        let temporary = try TemporaryDatabase()
        try temporary.storage.ping()
    }

    @Test func storageTransactionsRollBackToo() throws {
        struct Stop: Error {}
        let temporary = try TemporaryDatabase()
        #expect(throws: Stop.self) {
            try temporary.storage.transaction(durable: true) {
                try temporary.storage.users.add(name: "ann", passwordHash: "h", now: 1)
                throw Stop()
            }
        }
        #expect(try temporary.storage.users.count() == 0)
    }
}

@Suite struct StatementTests {
    @Test(arguments: ["", "plain", "a\0b", "é€😀", "\0"])
    func textRoundTripsWhole(text: String) throws {
        let temporary = try TemporaryDatabase()
        let users = temporary.storage.users
        try users.add(name: text, passwordHash: "h", now: 1)
        #expect(try users.all().map(\.name) == [text])
        #expect(try users.user(named: text)?.name == text)
        if text.contains("\0") {
            #expect(try users.user(named: String(text.prefix { $0 != "\0" })) == nil)
        }
    }
}

@Suite struct ResidencyTests {
    @Test func aFileNeverWrittenIsNotInMemoryAndOneJustWrittenIs() throws {
        let temporary = try TemporaryDatabase()
        let path = temporary.path + "-resident"
        let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        #expect(descriptor >= 0)
        defer {
            close(descriptor)
            unlink(path)
        }
        // 8 MiB long but never written: a hole, no page of it in memory.
        #expect(ftruncate(descriptor, 8 << 20) == 0)
        #expect(FileSystem.residentFraction(of: path) == 0)
        try FileSystem.writeAll(descriptor, [UInt8](repeating: 7, count: 4 << 20))
        #expect(FileSystem.residentFraction(of: path) == 0.5)
        try FileSystem.writeAll(descriptor, [UInt8](repeating: 7, count: 4 << 20))
        #expect(FileSystem.residentFraction(of: path) == 1)
        #expect(FileSystem.residentFraction(of: path + "-missing") == 0)
    }
}
