import FileDropStorage
import Testing

@testable import FileDropServer

/// `expires_in`, `--default-file-ttl` and `--max-file-ttl`, with the time passed in.
@Suite struct FileLifetimeTests {
    static let tooBig = "expires_in must be a whole number of seconds from 1 to 3153600000"

    @Test(arguments: [
        ("", Int64?.none, String?.none),
        ("   ", nil, nil),
        ("1", 1, nil),
        (" 3600\r\n", 3600, nil),
        ("007", 7, nil),
        ("3153600000", 3_153_600_000, nil),
        ("3153600001", nil, tooBig),
        ("0", nil, tooBig),
        ("-5", nil, tooBig),
        ("+5", nil, tooBig),
        ("1.5", nil, tooBig),
        ("1e3", nil, tooBig),
        ("abc", nil, tooBig),
        ("1 2", nil, tooBig),
        ("99999999999999999999999", nil, tooBig),
        ("٣", nil, tooBig),  // an Arabic-Indic digit is no ASCII digit
    ])
    func expiresInIsAWholeNumberOfSecondsOrEmpty(text: String, seconds: Int64?, problem: String?) {
        switch FileLifetime.parseExpiresIn(Array(text.utf8)) {
        case .success(let parsed):
            #expect(problem == nil)
            #expect(parsed == seconds)
        case .failure(let failure):
            #expect(failure.message == problem)
        }
    }

    @Test func theCapRefusesRatherThanShortens() {
        let capped = FileLifetime(defaultSeconds: 60, maxSeconds: 3600)
        #expect(capped.check(expiresIn: 3600) == nil)
        #expect(capped.check(expiresIn: 3601)?.message == "expires_in is longer than files may live here (3600 seconds at most)")
        #expect(FileLifetime().check(expiresIn: FileLifetime.longest) == nil)
    }

    @Test func expiryEndsOnTheWholeSecondOnOrAfterTheLifetime() {
        let lifetime = FileLifetime(defaultSeconds: 60)
        #expect(lifetime.expiresAt(expiresIn: 2, completedAt: 1_000_000) == 1_002_000)
        #expect(lifetime.expiresAt(expiresIn: 2, completedAt: 1_000_001) == 1_003_000)
        #expect(lifetime.expiresAt(expiresIn: nil, completedAt: 1_000_999) == 1_061_000)
        #expect(FileLifetime().expiresAt(expiresIn: nil, completedAt: 5) == nil)
        // With a cap, no file lives forever: a default of never becomes the cap.
        #expect(FileLifetime(maxSeconds: 10).expiresAt(expiresIn: nil, completedAt: 0) == 10_000)
    }

    @Test func aPatchedExpiryIsCheckedAgainstTheCap() {
        let now: Int64 = 1_000_000_500
        let open = FileLifetime()
        #expect(open.change(expiresAt: nil, now: now) == .success(.never))
        #expect(open.change(expiresAt: 5, now: now) == .success(.at(1000)))  // past: expires at once
        let capped = FileLifetime(maxSeconds: 3600)
        #expect(capped.change(expiresAt: now + 3_600_000, now: now) == .success(.at(1_003_601_000)))
        #expect(capped.change(expiresAt: now + 3_601_000, now: now).isFailure)
        #expect(capped.change(expiresAt: nil, now: now).isFailure)
    }

    @Test(arguments: [(Int64(0), Int64(0)), (1, 1000), (999, 1000), (1000, 1000), (1001, 2000), (-1, 0), (-1000, -1000), (-1001, -1000)])
    func roundingUpToWholeSeconds(time: Int64, rounded: Int64) {
        #expect(FileLifetime.wholeSecondOnOrAfter(time) == rounded)
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
