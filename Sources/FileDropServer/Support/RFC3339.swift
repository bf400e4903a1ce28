/// Formats Unix times as RFC 3339 UTC timestamps (`2026-11-29T06:30:00Z`), without a calendar
/// library (`CivilTime`).
public enum RFC3339 {
    static func format(unixMilliseconds: Int64) -> String {
        format(unixSeconds: unixMilliseconds >= 0 ? unixMilliseconds / 1000 : (unixMilliseconds - 999) / 1000)
    }

    public static func format(unixSeconds: Int64) -> String {
        let (date, time) = components(unixSeconds: unixSeconds)
        return "\(date)T\(time)Z"
    }

    /// `2026-11-29 06:30 UTC`: the form shown on the page.
    static func display(unixMilliseconds: Int64) -> String {
        let (date, time) = components(unixSeconds: unixMilliseconds / 1000)
        return "\(date) \(time.prefix(5)) UTC"
    }

    private static func components(unixSeconds: Int64) -> (date: String, time: String) {
        let civil = CivilTime(unixSeconds: unixSeconds)
        return (civil.date, civil.clock)
    }
}
