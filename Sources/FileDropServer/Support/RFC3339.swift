/// Formats Unix times as RFC 3339 UTC timestamps (`2026-11-29T06:30:00Z`), without a calendar
/// library: days since the epoch are turned into a civil date (Howard Hinnant's algorithm).
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
        var days = unixSeconds / 86_400
        var seconds = unixSeconds % 86_400
        if seconds < 0 {
            seconds += 86_400
            days -= 1
        }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let date = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        let time = "\(pad(seconds / 3600, 2)):\(pad(seconds % 3600 / 60, 2)):\(pad(seconds % 60, 2))"
        return (date, time)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
