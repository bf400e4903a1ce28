import FileDropStorage
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import FileDropServer

#if canImport(Glibc)
import Glibc
#endif

/// The scheduler on an embedded loop, with a real SQLite file behind a queue that stands in
/// for the storage thread: which work reaches the thread, in which order.
@Suite struct MaintenanceSchedulerTests {
    final class Fixture {
        let loop = EmbeddedEventLoop()
        let folder: String
        let storage: Storage
        let access: QueuedStorageAccess
        let scheduler: MaintenanceScheduler

        init() throws {
            var template = Array("/tmp/filedrop-maintenance-XXXXXX".utf8CString)
            folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
            storage = try Storage(path: folder + "/app.db")
            access = QueuedStorageAccess(storage: storage, eventLoop: loop)
            scheduler = MaintenanceScheduler(
                eventLoop: loop, storage: access, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            )
        }

        /// Rows of `table`, read through a connection of its own.
        func count(_ table: String) throws -> Int64 {
            let reader = try Database(path: folder + "/app.db")
            defer { reader.close() }
            return try reader.scalarInt("SELECT count(*) FROM \(table)")
        }

        var databaseSize: Int {
            var info = stat()
            return stat(folder + "/app.db", &info) == 0 ? Int(info.st_size) : 0
        }

        deinit {
            storage.close()
            for suffix in ["", "-wal", "-shm"] { unlink(folder + "/app.db" + suffix) }
            rmdir(folder)
        }

        /// A task whose steps answer `outcomes` in turn (then `.finished`), counting its runs.
        func countingTask(_ name: String, _ outcomes: [MaintenanceTask.Outcome], interval: TimeAmount = .seconds(60)) -> Counter {
            let counter = Counter()
            scheduler.register(
                MaintenanceTask(name: name, interval: interval) { [access] in
                    access.nextLabel = name
                    let outcome = counter.runs < outcomes.count ? outcomes[counter.runs] : .finished
                    counter.runs += 1
                    return { _ in outcome }
                }
            )
            return counter
        }
    }

    final class Counter: @unchecked Sendable {  // touched on the test's one thread only
        var runs = 0
    }

    @Test func stepsInterleaveWithRequestsQueuedMeanwhile() throws {
        let fixture = try Fixture()
        let counter = fixture.countingTask("work", [.more, .more, .finished])
        fixture.scheduler.wake("work")
        #expect(fixture.access.queuedLabels == ["work"])
        // A request arrives while the first step runs: it goes before the second step.
        fixture.access.nextLabel = "request"
        _ = fixture.access.run { try $0.ping() }
        #expect(fixture.access.queuedLabels == ["work", "request"])
        fixture.access.runNext()
        #expect(fixture.access.queuedLabels == ["request", "work"])
        fixture.access.runAll()
        #expect(counter.runs == 3)
        // Finished: nothing more until woken or the interval passes.
        fixture.scheduler.tickNow()
        #expect(fixture.access.queuedLabels.isEmpty)
    }

    @Test func onlyOneStepAtATimeAndDueTasksTakeTurns() throws {
        let fixture = try Fixture()
        let first = fixture.countingTask("first", [.more, .more, .more])
        let second = fixture.countingTask("second", [.more, .more, .more])
        fixture.scheduler.wake("first")
        fixture.scheduler.wake("second")
        #expect(fixture.access.queuedLabels == ["first"])
        var order: [String] = []
        while let label = fixture.access.queuedLabels.first {
            order.append(label)
            fixture.access.runNext()
            #expect(fixture.access.queuedLabels.count <= 1)
        }
        #expect(order == ["first", "second", "first", "second", "first", "second", "first", "second"])
        #expect(first.runs == 4 && second.runs == 4)
    }

    @Test func afterStopTheRunningStepSubmitsNothingMore() throws {
        let fixture = try Fixture()
        let counter = fixture.countingTask("work", [.more, .more])
        fixture.scheduler.wake("work")
        fixture.scheduler.stop()
        fixture.access.runAll()
        #expect(counter.runs == 1)
        #expect(fixture.access.queuedLabels.isEmpty)
        fixture.scheduler.wake("work")
        #expect(fixture.access.queuedLabels.isEmpty)
    }

    @Test func laterWaitsForTheNextTick() throws {
        let fixture = try Fixture()
        let counter = fixture.countingTask("paced", [.later, .later])
        fixture.scheduler.wake("paced")
        fixture.access.runAll()
        #expect(counter.runs == 1)
        #expect(fixture.scheduler.hasWaitingTasks)
        fixture.scheduler.tickNow()
        fixture.access.runAll()
        #expect(counter.runs == 2)
        fixture.scheduler.tickNow()
        fixture.access.runAll()
        #expect(counter.runs == 3 && !fixture.scheduler.hasWaitingTasks)
    }

    @Test func aFailingStepIsRetriedAfterItsIntervalAndRecordsNothing() throws {
        struct Broken: Error {}
        let fixture = try Fixture()
        let counter = Counter()
        var steps: [String] = []
        fixture.scheduler.onStep = { name, _ in steps.append(name) }
        fixture.scheduler.register(
            MaintenanceTask(name: "broken", interval: .milliseconds(1)) {
                counter.runs += 1
                return { _ in throw Broken() }
            }
        )
        fixture.scheduler.wake("broken")
        fixture.access.runAll()
        #expect(counter.runs == 1 && steps.isEmpty)
        usleep(2_000)  // the interval passes (the scheduler reads the real uptime clock)
        fixture.scheduler.tickNow()
        fixture.access.runAll()
        #expect(counter.runs == 2)
    }

    @Test func reclaimFreesADeletedFileInBoundedStepsAndTheFileShrinks() throws {
        let fixture = try Fixture()
        fixture.scheduler.register(StorageMaintenance.reclaimSpace(litestream: false))
        let files = fixture.storage.files
        let id = try files.beginUpload(filename: "f", contentType: "t", uploadedBy: "ann", chunkSize: 1 << 20, now: 1)
        let chunk = [UInt8](repeating: 0x5A, count: 1 << 20)
        for sequence in 0..<40 {
            try chunk.withUnsafeBytes { try files.writeChunk(fileID: id, sequence: Int64(sequence), bytes: $0) }
        }
        _ = try files.completeUpload(fileID: id, description: "big", size: 40 << 20, sha256: "00", now: 2)
        _ = try fixture.storage.checkpointNow()
        let full = fixture.databaseSize
        var durations: [Duration] = []
        fixture.scheduler.onStep = { _, duration in durations.append(duration) }
        #expect(try files.delete(id: id, now: 0) != nil)
        fixture.scheduler.wake(StorageMaintenance.reclaimName)
        fixture.access.runAll()
        // 40 chunks in steps of 16, then 5,120-odd pages of 8 KiB in steps of 128 (1 MiB), then
        // the step that finds nothing.
        #expect((3 + 40 + 1...3 + 42 + 1).contains(durations.count))
        #expect(try fixture.storage.checkpointNow().truncated)
        #expect(fixture.databaseSize < full / 20)
    }
    /// Stores a file of `chunks` 1 MiB chunks and deletes it: its chunks wait for the reclaim.
    private func deletedFile(_ fixture: Fixture, chunks: Int) throws {
        let files = fixture.storage.files
        let id = try files.beginUpload(filename: "f", contentType: "t", uploadedBy: "ann", chunkSize: 1 << 20, now: 1)
        let chunk = [UInt8](repeating: 0x5A, count: 1 << 20)
        for sequence in 0..<chunks {
            try chunk.withUnsafeBytes { try files.writeChunk(fileID: id, sequence: Int64(sequence), bytes: $0) }
        }
        _ = try files.completeUpload(fileID: id, description: "big", size: Int64(chunks) << 20, sha256: "00", now: 2)
        #expect(try files.delete(id: id, now: 0) != nil)
    }

    /// While an upload streams in, the reclaim waits (the disk has room), tick after tick;
    /// once no upload streams, it frees the chunks.
    @Test func theReclaimWaitsWhileAnUploadStreamsIn() throws {
        let fixture = try Fixture()
        let streaming = Counter()
        streaming.runs = 1
        fixture.scheduler.register(StorageMaintenance.reclaimSpace(litestream: false, uploadsStreaming: { streaming.runs > 0 }))
        try deletedFile(fixture, chunks: 20)
        #expect(try fixture.storage.mayPostponeReclaim())
        fixture.scheduler.wake(StorageMaintenance.reclaimName)
        fixture.access.runAll()
        for _ in 0..<3 {
            fixture.scheduler.tickNow()
            fixture.access.runAll()
        }
        #expect(try fixture.count("chunks") == 20)
        streaming.runs = 0
        fixture.scheduler.tickNow()
        fixture.access.runAll()
        #expect(try fixture.count("chunks") == 0)
    }

    /// The wait is bounded: past `postponedAtMost` of uploads streaming in a row, the reclaim
    /// goes on anyway.
    @Test func theReclaimWaitsForUploadsOnlySoLong() throws {
        let fixture = try Fixture()
        fixture.scheduler.register(
            StorageMaintenance.reclaimSpace(litestream: false, uploadsStreaming: { true }, postponedAtMost: .milliseconds(1))
        )
        try deletedFile(fixture, chunks: 20)
        fixture.scheduler.wake(StorageMaintenance.reclaimName)
        fixture.access.runAll()
        #expect(try fixture.count("chunks") == 20)
        usleep(2_000)
        fixture.scheduler.tickNow()
        fixture.access.runAll()
        #expect(try fixture.count("chunks") == 0)
    }

    /// The search-indexing task runs at the first tick after the database changed (the
    /// listing cache moved to a new generation), indexes every waiting file, and asks for no
    /// step while nothing changes.
    @Test func searchIndexingRunsAtTheTickAfterAChange() throws {
        let fixture = try Fixture()
        let listings = ListingCache()
        listings.noteCommitCounter(fixture.storage.commitCounter)
        fixture.scheduler.register(StorageMaintenance.indexFilesForSearch(listings: listings))
        fixture.scheduler.tickNow()  // due once registered
        fixture.access.runAll()
        fixture.scheduler.tickNow()
        #expect(fixture.access.queuedLabels.isEmpty)
        let bytes: [UInt8] = [1, 2, 3]
        for index in 0..<3 {
            _ = try bytes.withUnsafeBytes {
                try fixture.storage.files.storeSmallUpload(
                    filename: "f", contentType: "t", uploadedBy: "ann", chunkSize: 4, bytes: $0, description: "file \(index)",
                    sha256: "00", now: 1
                )
            }
        }
        #expect(try fixture.storage.files.hasFilesToIndex)
        fixture.scheduler.tickNow()
        #expect(fixture.access.queuedLabels.isEmpty)  // the cache has not seen the change yet
        listings.noteCommitCounter(fixture.storage.commitCounter)
        fixture.scheduler.tickNow()
        #expect(fixture.access.queuedLabels.count == 1)
        fixture.access.runAll()
        #expect(try !fixture.storage.files.hasFilesToIndex)
        fixture.scheduler.tickNow()
        #expect(fixture.access.queuedLabels.isEmpty)
    }
}
