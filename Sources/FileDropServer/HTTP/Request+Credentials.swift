import FileDropAuth

extension Request {
    /// The credentials of the `Authorization` header when it uses `scheme` (lower-case; the
    /// header's is compared ignoring ASCII case): `abc` of `Bearer abc`. nil without one.
    func authorization(scheme: StaticString) -> Substring? {
        headers.first(name: "authorization").flatMap { Self.credentials(in: $0, scheme: scheme) }
    }

    /// The credentials of an `Authorization` header value when it uses `scheme`.
    static func credentials(in header: String, scheme: StaticString) -> Substring? {
        guard let (name, credentials) = header.splitOnce(ascii: " "), name.utf8.count == scheme.utf8CodeUnitCount,
            name.hasPrefix(asciiCaseInsensitive: scheme)
        else { return nil }
        return credentials.trimmed
    }

    /// The password of an `Authorization: Basic` header (RFC 7617), whatever the user name:
    /// how API clients give a share link's passphrase (`curl -u :PASS`). nil without such a
    /// header or when it is malformed.
    var basicPassword: String? {
        guard let credentials = authorization(scheme: "basic"), let bytes = Base64.decode(credentials),
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
