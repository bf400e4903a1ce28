import FileDropAuth

extension Request {
    /// The password of an `Authorization: Basic` header (RFC 7617), whatever the user name:
    /// how API clients give a share link's passphrase (`curl -u :PASS`). nil without such a
    /// header or when it is malformed.
    var basicPassword: String? {
        guard let header = headers.first(name: "authorization") else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic", let bytes = Base64.decode(parts[1].trimmed),
            let decoded = String(validating: bytes, as: UTF8.self), let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return String(decoded[decoded.index(after: colon)...])
    }
}

extension Request {
    /// Every value of the cookie `name`, from every `Cookie` header: a browser sends several
    /// cookies of one name when they differ in `Path`.
    func cookies(named name: String) -> [Substring] {
        var values: [Substring] = []
        for header in headers["cookie"] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name else { continue }
                values.append(trimmed[trimmed.index(after: equals)...])
            }
        }
        return values
    }
}
