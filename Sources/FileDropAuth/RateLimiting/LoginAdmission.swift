/// What a login limiter says of an attempt that is about to be checked.
///
/// Attempts still being checked count against a limit: otherwise twenty guesses sent at once
/// would all pass the check before the first failure is recorded. So a limiter with room
/// for `n` more failures lets at most `n` attempts be checked at a time, and asks the rest
/// to wait until one of those has its answer.
public enum LoginAdmission: Equatable, Sendable {
    /// Check the attempt now; it counts as in flight until it finishes.
    case proceed
    /// As many attempts as may still fail are being checked: ask again when one finishes.
    case wait
    /// Refused: answer 429 with this many seconds (at least 1) in `Retry-After`.
    case refuse(retryAfter: Int)

    /// The stricter of two answers: a refusal (the longer wait) over waiting over proceeding.
    public func combined(with other: LoginAdmission) -> LoginAdmission {
        switch (self, other) {
        case (.refuse(let mine), .refuse(let theirs)): .refuse(retryAfter: max(mine, theirs))
        case (.refuse, _): self
        case (_, .refuse): other
        case (.wait, _), (_, .wait): .wait
        case (.proceed, .proceed): .proceed
        }
    }
}

/// How a checked login attempt ended, for the limiters.
public enum LoginOutcome: Equatable, Sendable {
    /// The password was right.
    case succeeded
    /// The password was wrong (or the user unknown): a failure.
    case failed
    /// Neither: the check did not finish (a storage error), or the account changed meanwhile.
    case undecided
}

extension Double {
    /// Seconds until `deadline` for `Retry-After`: rounded up, at least 1.
    func retryAfter(until deadline: Double) -> Int {
        let seconds = (deadline - self).rounded(.up)
        return Swift.max(1, Int(Swift.min(seconds, Double(Int32.max))))
    }
}
