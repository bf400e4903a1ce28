/// Formats Unix times as RFC 9110 §5.6.7 `IMF-fixdate` (`Sun, 06 Nov 1994 08:49:37 GMT`), the
/// one form HTTP senders must generate (tus `Upload-Expires`). Parsing is not needed.
enum HTTPDate {
    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(unixMilliseconds: Int64) -> String {
        format(unixSeconds: unixMilliseconds >= 0 ? unixMilliseconds / 1000 : (unixMilliseconds - 999) / 1000)
    }

    static func format(unixSeconds: Int64) -> String {
        let civil = CivilTime(unixSeconds: unixSeconds)
        var weekday = (civil.days % 7)
        if weekday < 0 { weekday += 7 }
        let day = civil.day < 10 ? "0\(civil.day)" : "\(civil.day)"
        return "\(weekdays[Int(weekday)]), \(day) \(months[Int(civil.month) - 1]) \(civil.year) \(civil.clock) GMT"
    }
}

/// A Unix time as a proleptic Gregorian date and a time of day in UTC, computed without a
/// calendar library (Howard Hinnant's days-from-civil algorithm, inverted).
struct CivilTime {
    /// Whole days since 1970-01-01.
    let days: Int64
    let year: Int64
    let month: Int64
    let day: Int64
    let secondOfDay: Int64

    init(unixSeconds: Int64) {
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
        self.days = days
        day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        secondOfDay = seconds
    }

    /// `YYYY-MM-DD`.
    var date: String { "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))" }

    /// `HH:MM:SS`.
    var clock: String {
        "\(Self.pad(secondOfDay / 3600, 2)):\(Self.pad(secondOfDay % 3600 / 60, 2)):\(Self.pad(secondOfDay % 60, 2))"
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
