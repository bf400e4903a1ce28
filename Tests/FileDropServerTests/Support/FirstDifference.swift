/// Where two byte sequences first differ, as text; nil when they are equal. For content of a
/// MiB or more: a failing `#expect(a == b)` on such arrays makes Swift Testing compute their
/// whole difference, which takes minutes and holds up the run, where this answers at once.
func firstDifference(_ actual: [UInt8], _ expected: [UInt8]) -> String? {
    if let offset = zip(actual, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
        return "byte \(offset): \(actual[offset]) instead of \(expected[offset])"
    }
    return actual.count == expected.count ? nil : "\(actual.count) bytes instead of \(expected.count)"
}
