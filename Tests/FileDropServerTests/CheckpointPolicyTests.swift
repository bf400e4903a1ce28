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
        // Past the hard limit the storage thread checkpoints, so that writers wait, even when busy.
        (
            with {
                $0.sinceLastWrite = .zero; $0.walBytes = CheckpointPolicy.walHardLimit; $0.busySince = .zero
            }, .onStorageThread
        ),
    ])
    func decides(inputs: Inputs, expected: CheckpointPolicy.Decision) {
        #expect(CheckpointPolicy.decide(inputs) == expected)
    }

    @Test func theLimitsAreOrdered() {
        #expect(CheckpointPolicy.walSyncStep <= StorageMaintenance.reclaimWALLimit)
        #expect(StorageMaintenance.reclaimWALLimit < CheckpointPolicy.walSoftLimit)
        #expect(CheckpointPolicy.walSoftLimit < CheckpointPolicy.walHardLimit)
        #expect(CheckpointPolicy.walRecycleBytes < CheckpointPolicy.walKeptBytes)
        #expect(CheckpointPolicy.walKeptBytes < StorageMaintenance.reclaimWALLimit)
    }
}
