import Synchronization

@testable import FileDropServer

/// A wall clock a test moves by hand.
final class TestClock: Sendable {
    private let seconds: Mutex<Double>

    init(_ seconds: Double = PipelineHarness.now) {
        self.seconds = Mutex(seconds)
    }

    var wallClock: WallClock {
        WallClock { self.seconds.withLock { $0 } }
    }

    func advance(by interval: Double) {
        seconds.withLock { $0 += interval }
    }
}
