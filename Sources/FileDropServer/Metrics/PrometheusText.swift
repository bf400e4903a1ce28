/// Writes the Prometheus text exposition format, version 0.0.4: for each metric a `# HELP`
/// and a `# TYPE` line, then its samples, one per line (`name{label="value"} number`).
///
/// Label values are escaped as the format says (backslash, double quote, line feed); names
/// and help texts are the server's own constants.
struct PrometheusText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    enum Kind: String {
        case counter, gauge, histogram
    }

    private(set) var text = ""

    /// The `# HELP` and `# TYPE` lines of a metric; its samples follow.
    mutating func describe(_ name: String, _ kind: Kind, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
    }

    mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], _ value: Double) {
        text += name
        if labels.count > 0 {
            text += "{" + labels.map { "\($0.key)=\"\(Self.escape($0.value))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.format(value) + "\n"
    }

    mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], _ value: some BinaryInteger) {
        sample(name, labels, Double(value))
    }

    /// A metric with one sample and no labels.
    mutating func single(_ name: String, _ kind: Kind, _ help: String, _ value: Double) {
        describe(name, kind, help)
        sample(name, [:], value)
    }

    /// The samples of one histogram series: cumulative `_bucket`s with `le`, `+Inf`, `_sum`
    /// and `_count`. `counts` holds one count per bound plus the overflow, not cumulative.
    mutating func histogram(_ name: String, label: (String, String)?, bounds: [Double], counts: [UInt64], sum: Double) {
        var cumulative: UInt64 = 0
        let prefix = label.map { "\($0.0)=\"\(Self.escape($0.1))\"," } ?? ""
        for (bound, count) in zip(bounds, counts) {
            cumulative += count
            text += "\(name)_bucket{\(prefix)le=\"\(Self.format(bound))\"} \(cumulative)\n"
        }
        cumulative += counts.last ?? 0
        text += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(cumulative)\n"
        let labels = label.map { "{\($0.0)=\"\(Self.escape($0.1))\"}" } ?? ""
        text += "\(name)_sum\(labels) \(Self.format(sum))\n\(name)_count\(labels) \(cumulative)\n"
    }

    static func escape(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Integers without a fraction, others as Swift prints them (which Prometheus parses).
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
