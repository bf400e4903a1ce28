import FileDropStorage

/// How long files live, per SPEC "File lifetime, editing, search and quotas": an upload may
/// ask for `expires_in` seconds (a whole number ≥ 1; an empty field counts as absent), else
/// it gets `--default-file-ttl` (0: never); `--max-file-ttl` (0: no cap) refuses anything
/// longer with 400 rather than shortening it. With a cap set no file lives forever: a
/// default of "never" becomes the cap, and `PATCH` cannot clear an expiry.
///
/// Expiry times have whole seconds (as `created_at` in records): a lifetime ends at the next
/// whole second after `now + expires_in`, so a file never goes before the time it asked for,
/// and the `expires_at` a client reads is exactly the moment it goes.
///
/// Pure: the time is passed in (Unix milliseconds).
struct FileLifetime: Sendable, Equatable {
    /// The longest lifetime anything may ask for (100 years of 365 days), whatever the cap:
    /// far beyond any use, and far from overflowing a time in milliseconds.
    static let longest: Int64 = 3_153_600_000

    struct Problem: Error, Equatable {
        let message: String
    }

    /// `--default-file-ttl`, seconds; 0: never.
    let defaultSeconds: Int64
    /// `--max-file-ttl`, seconds; 0: no cap.
    let maxSeconds: Int64

    init(defaultSeconds: Int64 = 0, maxSeconds: Int64 = 0) {
        self.defaultSeconds = defaultSeconds
        self.maxSeconds = maxSeconds
    }

    /// The `expires_in` field as sent: nil when empty (or only spaces), else a whole number
    /// of seconds from 1 to `longest`, in ASCII digits.
    static func parseExpiresIn(_ bytes: [UInt8]) -> Result<Int64?, Problem> {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        let trimmed = bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        guard !trimmed.isEmpty else { return .success(nil) }
        let allDigits = trimmed.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard allDigits, trimmed.count <= 19, let seconds = Int64(String(decoding: trimmed, as: UTF8.self)),
            (1...longest).contains(seconds)
        else {
            return .failure(Problem(message: "expires_in must be a whole number of seconds from 1 to \(longest)"))
        }
        return .success(seconds)
    }

    /// Refuses an `expires_in` longer than the cap.
    func check(expiresIn seconds: Int64) -> Problem? {
        guard maxSeconds > 0, seconds > maxSeconds else { return nil }
        return Problem(message: "expires_in is longer than files may live here (\(maxSeconds) seconds at most)")
    }

    /// When a file completed at `now` that asked for `expiresIn` seconds (nil: the default)
    /// goes; nil: never. The request was checked with `check(expiresIn:)` before.
    func expiresAt(expiresIn: Int64?, completedAt now: Int64) -> Int64? {
        let seconds = expiresIn ?? (defaultSeconds > 0 ? defaultSeconds : maxSeconds)
        guard seconds > 0 else { return nil }
        return Self.wholeSecondOnOrAfter(now + seconds * 1000)
    }

    /// An `expires_at` asked for by `PATCH` (Unix milliseconds, nil: never) as it is stored,
    /// or why it is refused. A time in the past is allowed: the file expires at once.
    func change(expiresAt time: Int64?, now: Int64) -> Result<FileChanges.Expiry, Problem> {
        guard let time else {
            guard maxSeconds == 0 else {
                return .failure(Problem(message: "expires_at cannot be null here: files live \(maxSeconds) seconds at most"))
            }
            return .success(.never)
        }
        let stored = Self.wholeSecondOnOrAfter(time)
        if maxSeconds > 0, stored > Self.wholeSecondOnOrAfter(now + maxSeconds * 1000) {
            return .failure(Problem(message: "expires_at is further away than files may live here (\(maxSeconds) seconds at most)"))
        }
        return .success(.at(stored))
    }

    /// `time` rounded up to a whole second (Unix milliseconds).
    static func wholeSecondOnOrAfter(_ time: Int64) -> Int64 {
        let remainder = ((time % 1000) + 1000) % 1000
        return remainder == 0 ? time : time - remainder + 1000
    }
}
