import FileDropStorage
import NIOCore
import Testing

@testable import FileDropServer

@Suite struct CheckpointPolicyTests {
    typealias Inputs = CheckpointPolicy.Inputs

    static let idle = Inputs(
        walBytes: 10 << 20, sinceLastWrite: .seconds(1), writtenSinceLastPass: true, lastPassComplete: true, busySince: nil,
        tasksWaitingForWAL: false
    )

    static func with(_ change: (inout Inputs) -> Void) -> Inputs {
        var inputs = idle
        change(&inputs)
        return inputs
    }

    @Test(arguments: [
        // Idle after writes: copy (and truncate a large WAL) in the background.
        (idle, CheckpointPolicy.Decision.background),
        // Nothing in the WAL, or nothing new since a pass that copied it all: nothing to do.
        (with { $0.walBytes = 0 }, .none),
        (with { $0.writtenSinceLastPass = false }, .none),
        // A pass that could not copy it all is retried once idle...
        (
            with {
                $0.writtenSinceLastPass = false; $0.lastPassComplete = false
            }, .background
        ),
        // ... but not within the retry delay after another connection's lock stopped it.
        (with { $0.busySince = .milliseconds(500) }, .none),
        (with { $0.busySince = .seconds(3) }, .background),
        // Writes still coming: wait for the idle delay...
        (with { $0.sinceLastWrite = .milliseconds(100) }, .none),
        // ... unless small commits filled `walRecycleBytes`: then the storage thread copies
        // the WAL between two jobs, so that the next commit starts it over...
        (
            with {
                $0.sinceLastWrite = .zero; $0.walContentBytes = CheckpointPolicy.walRecycleBytes
            }, .recycle
        ),
        // ... but not while a streamed upload writes (its bytes are written once), nor when
        // nothing was written since the last copy, nor past `walKeptBytes` (a long copy).
        (
            with {
                $0.sinceLastWrite = .zero; $0.walContentBytes = CheckpointPolicy.walRecycleBytes; $0.streamingUploads = true
            }, .none
        ),
        (
            with {
                $0.sinceLastWrite = .zero; $0.walContentBytes = CheckpointPolicy.walRecycleBytes; $0.writtenSinceLastPass = false
            }, .none
        ),
        (
            with {
                $0.sinceLastWrite = .zero; $0.walContentBytes = CheckpointPolicy.walKeptBytes + 1
            }, .none
        ),
        (
            with {
                $0.sinceLastWrite = .zero; $0.walContentBytes = CheckpointPolicy.walRecycleBytes - 1
            }, .none
        ),
        // ... unless the WAL passed its soft limit, or a task waits for the WAL.
        (
            with {
                $0.sinceLastWrite = .zero; $0.walBytes = CheckpointPolicy.walSoftLimit
            }, .background
        ),
        (
            with {
                $0.sinceLastWrite = .zero; $0.tasksWaitingForWAL = true
            }, .background
        ),
        // A waiting task does not copy a streaming upload's bytes as they arrive; the soft
        // limit still does.
        (
            with {
                $0.sinceLastWrite = .zero; $0.tasksWaitingForWAL = true; $0.streamingUploads = true
            }, .none
        ),
        (
            with {
                $0.sinceLastWrite = .zero; $0.walBytes = CheckpointPolicy.walSoftLimit; $0.streamingUploads = true
            }, .background
        ),
        // Past the hard limit (the file's size) the storage thread checkpoints, so that writers
        // wait, even when busy.
        (
            with {
                $0.sinceLastWrite = .zero; $0.walFileBytes = CheckpointPolicy.walHardLimit; $0.busySince = .zero
            }, .onStorageThread
        ),
        // A long file whose frames are all copied is not copied again: it is kept for reuse...
        (
            with {
                $0.walBytes = 0; $0.walFileBytes = CheckpointPolicy.walSoftLimit; $0.writtenSinceLastPass = false
                $0.sinceLastPass = .seconds(1)
            }, .none
        ),
        // ... and looked at again every `walReuseReview` while idle (to keep or truncate it)...
        (
            with {
                $0.walBytes = 0; $0.walFileBytes = CheckpointPolicy.walSoftLimit; $0.writtenSinceLastPass = false
                $0.sinceLastPass = CheckpointPolicy.walReuseReview
            }, .background
        ),
        // ... not while writes go on, nor when it is no longer than the small kept file.
        (
            with {
                $0.walBytes = 0; $0.walFileBytes = CheckpointPolicy.walSoftLimit; $0.sinceLastWrite = .milliseconds(100)
                $0.sinceLastPass = CheckpointPolicy.walReuseReview
            }, .none
        ),
        (
            with {
                $0.walBytes = 0; $0.walFileBytes = CheckpointPolicy.walKeptBytes; $0.sinceLastPass = .seconds(60)
            }, .none
        ),
    ])
    func decides(inputs: Inputs, expected: CheckpointPolicy.Decision) {
        #expect(CheckpointPolicy.decide(inputs) == expected)
    }

    @Test func aLargeWALIsKeptForReuseOnlyForAWhileAfterFramesWereWritten() {
        #expect(CheckpointPolicy.mayReuseWAL(Self.with { $0.sinceWALWritten = .seconds(59) }))
        #expect(!CheckpointPolicy.mayReuseWAL(Self.with { $0.sinceWALWritten = CheckpointPolicy.walReusedFor }))
        // A commit that changed nothing (sinceLastWrite) does not keep it longer.
        #expect(
            !CheckpointPolicy.mayReuseWAL(
                Self.with {
                    $0.sinceLastWrite = .seconds(1); $0.sinceWALWritten = .seconds(61)
                })
        )
    }

    @Test func theLimitsAreOrdered() {
        #expect(CheckpointPolicy.walSyncStep <= StorageMaintenance.reclaimWALLimit)
        #expect(StorageMaintenance.reclaimWALLimit < CheckpointPolicy.walSoftLimit)
        #expect(CheckpointPolicy.walSoftLimit < CheckpointPolicy.walHardLimit)
        #expect(CheckpointPolicy.walRecycleBytes < CheckpointPolicy.walKeptBytes)
        #expect(CheckpointPolicy.walKeptBytes < StorageMaintenance.reclaimWALLimit)
        // A kept file never reaches the hard limit, and SQLite's own cut leaves it alone.
        #expect(CheckpointPolicy.walSoftLimit < CheckpointPolicy.walReuseLimit)
        #expect(CheckpointPolicy.walReuseLimit < CheckpointPolicy.walHardLimit)
        #expect(CheckpointPolicy.walReuseLimit <= Database.walSizeLimit)
        #expect(CheckpointPolicy.walReuseReview < CheckpointPolicy.walReusedFor)
    }
}
