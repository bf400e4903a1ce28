import FileDropStorage
import NIOCore
import NIOEmbedded
import Testing

@testable import FileDropServer

#if canImport(Glibc)
import Glibc
#endif

/// `GroupCommit`: commits that end together share one storage job and one sync, and none is
/// acknowledged before that job (its sync) is done.
@Suite struct GroupCommitTests {
    private final class Fixture {
        let loop = EmbeddedEventLoop()
        let folder: String
        let storage: Storage
        let access: QueuedStorageAccess
        let commits: GroupCommit

        init() throws {
            var template = Array("/tmp/filedrop-group-XXXXXX".utf8CString)
            folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
            storage = try Storage(path: folder + "/app.db")
            access = QueuedStorageAccess(storage: storage, eventLoop: loop)
            commits = GroupCommit(eventLoop: loop)
        }

        deinit {
            storage.close()
            for suffix in ["", "-wal", "-shm"] { unlink(folder + "/app.db" + suffix) }
            rmdir(folder)
        }

        func addUser(_ name: String) -> EventLoopFuture<String> {
            commits.run(on: access) { storage in
                try storage.users.add(name: name, passwordHash: "x", now: 0)
                return name
            } undo: { _, _ in
            }
        }
    }

    @Test func commitsQueuedTogetherShareOneJobAndWaitForIt() throws {
        let fixture = try Fixture()
        let futures = ["ann", "bob", "cy"].map(fixture.addUser)
        #expect(fixture.access.queuedLabels.count == 1)
        var done = 0
        for future in futures { future.assumeIsolated().whenComplete { _ in done += 1 } }
        fixture.loop.run()
        #expect(done == 0)  // nothing acknowledged before the job (and its sync) ran
        #expect(fixture.access.runNext())
        fixture.loop.run()
        #expect(try futures.map { try $0.wait() } == ["ann", "bob", "cy"])
        #expect(try fixture.storage.users.count() == 3)
        #expect(!fixture.access.runNext())
    }

    @Test func aFailingCommitFailsOnlyItself() throws {
        let fixture = try Fixture()
        let first = fixture.addUser("ann")
        let duplicate = fixture.addUser("ann")
        let other = fixture.addUser("bob")
        fixture.access.runAll()
        fixture.loop.run()
        #expect(try first.wait() == "ann")
        #expect(throws: (any Error).self) { try duplicate.wait() }
        #expect(try other.wait() == "bob")
    }

    @Test func aCommitQueuedAfterTheJobStartedGetsAJobOfItsOwn() throws {
        let fixture = try Fixture()
        let first = fixture.addUser("ann")
        #expect(fixture.access.runNext())
        let second = fixture.addUser("bob")
        #expect(fixture.access.queuedLabels.count == 1)
        fixture.access.runAll()
        fixture.loop.run()
        #expect(try first.wait() == "ann" && second.wait() == "bob")
    }
}
