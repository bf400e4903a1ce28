import COpenSSL
import Testing

@testable import FileDropAuth

/// One token that must be refused, and the error it must be refused with.
struct AttackCase: Sendable, CustomTestStringConvertible {
    let name: String
    let token: String
    let expected: TokenError

    var testDescription: String { name }
}

extension AttackCase {
    typealias F = TokenFixtures

    static let all: [AttackCase] = noneAlgorithms + otherAlgorithms + signatures + claims + encodings + structure

    /// RFC 8725 §2.1: "none" in any spelling, with or without a signature.
    static let noneAlgorithms: [AttackCase] = ["none", "None", "NONE", "nOnE"].flatMap { alg in
        let header = #"{"alg":"\#(alg)","typ":"JWT"}"#
        return [
            AttackCase(
                name: "alg \(alg), no signature",
                token: F.token(header: header, payload: F.claims(), signature: .literal("")),
                expected: .unsupportedAlgorithm
            ),
            AttackCase(
                name: "alg \(alg), HS256 signature",
                token: F.token(header: header, payload: F.claims()),
                expected: .unsupportedAlgorithm
            ),
        ]
    }

    /// Algorithm substitution: a correct-key HMAC of the size the header announces.
    static let otherAlgorithms: [AttackCase] = [
        AttackCase(
            name: "HS384 header, HMAC-SHA384",
            token: F.token(
                header: #"{"alg":"HS384","typ":"JWT"}"#,
                payload: F.claims(),
                signature: .hmac(digest: EVP_sha384(), key: F.key)
            ),
            expected: .unsupportedAlgorithm
        ),
        AttackCase(
            name: "HS512 header, HMAC-SHA512",
            token: F.token(
                header: #"{"alg":"HS512","typ":"JWT"}"#,
                payload: F.claims(),
                signature: .hmac(digest: EVP_sha512(), key: F.key)
            ),
            expected: .unsupportedAlgorithm
        ),
        AttackCase(
            name: "RS256 header",
            token: F.token(
                header: #"{"alg":"RS256","typ":"JWT"}"#,
                payload: F.claims(),
                signature: .literal(Base64URL.encode([UInt8](repeating: 7, count: 256)))
            ),
            expected: .unsupportedAlgorithm
        ),
        AttackCase(
            name: "alg hs256 (lowercase)",
            token: F.token(header: #"{"alg":"hs256"}"#, payload: F.claims()),
            expected: .unsupportedAlgorithm
        ),
        AttackCase(
            name: "no alg",
            token: F.token(header: #"{"typ":"JWT"}"#, payload: F.claims()),
            expected: .malformed
        ),
        AttackCase(
            name: "alg not a string",
            token: F.token(header: #"{"alg":["HS256"]}"#, payload: F.claims()),
            expected: .malformed
        ),
        AttackCase(
            name: "crit header",
            token: F.token(header: #"{"alg":"HS256","crit":["exp"],"exp":1}"#, payload: F.claims()),
            expected: .malformed
        ),
        AttackCase(
            name: "typ not JWT",
            token: F.token(header: #"{"alg":"HS256","typ":"at+jwt"}"#, payload: F.claims()),
            expected: .malformed
        ),
        AttackCase(
            name: "duplicate alg",
            token: F.token(header: #"{"alg":"none","alg":"HS256"}"#, payload: F.claims()),
            expected: .malformed
        ),
    ]

    static let signatures: [AttackCase] = [
        AttackCase(
            name: "empty signature",
            token: F.token(payload: F.claims(), signature: .literal("")),
            expected: .badSignature
        ),
        AttackCase(
            name: "signed with another key",
            token: F.token(payload: F.claims(), signature: .hs256(F.otherKey)),
            expected: .badSignature
        ),
        AttackCase(name: "tampered payload, original signature", token: tamperedPayload(), expected: .badSignature),
        AttackCase(
            name: "truncated signature",
            token: String(F.token(payload: F.claims()).dropLast(3)),
            expected: .badSignature
        ),
    ]

    static let claims: [AttackCase] = [
        AttackCase(name: "exp missing", token: F.token(payload: F.claims(exp: nil)), expected: .missingExpiry),
        AttackCase(
            name: "expired an hour ago",
            token: F.token(payload: F.claims(exp: String(F.now - 3600))),
            expected: .expired
        ),
        AttackCase(
            name: "expired 31 s ago",
            token: F.token(payload: F.claims(exp: String(F.now - 31))),
            expected: .expired
        ),
        AttackCase(
            name: "nbf an hour ahead",
            token: F.token(payload: F.claims(#""nbf":\#(F.now + 3600)"#)),
            expected: .notYetValid
        ),
        AttackCase(
            name: "iat an hour ahead",
            token: F.token(payload: #"{"sub":"alice","iat":\#(F.now + 3600),"exp":\#(F.now + 7200)}"#),
            expected: .notYetValid
        ),
        AttackCase(
            name: "exp as a string",
            token: F.token(payload: F.claims(exp: "\"\(F.now + 3600)\"")),
            expected: .malformed
        ),
        AttackCase(name: "exp null", token: F.token(payload: F.claims(exp: "null")), expected: .malformed),
        AttackCase(
            name: "sub and user disagree",
            token: F.token(payload: F.claims(#""user":"mallory""#)),
            expected: .malformed
        ),
        AttackCase(
            name: "no sub nor user",
            token: F.token(payload: #"{"exp":\#(F.now + 60)}"#),
            expected: .missingSubject
        ),
        AttackCase(
            name: "empty sub",
            token: F.token(payload: #"{"sub":"","exp":\#(F.now + 60)}"#),
            expected: .missingSubject
        ),
        AttackCase(
            name: "sub not a string",
            token: F.token(payload: #"{"sub":42,"exp":\#(F.now + 60)}"#),
            expected: .malformed
        ),
        AttackCase(name: "jti not a string", token: F.token(payload: F.claims(#""jti":1"#)), expected: .malformed),
    ]

    /// Text a lenient decoder would accept, signed over exactly that text.
    static let encodings: [AttackCase] = [
        AttackCase(name: "padding '=' in the payload", token: paddedPayload(), expected: .malformed),
        AttackCase(
            name: "padding '=' after the signature",
            token: F.token(payload: F.claims()) + "=",
            expected: .malformed
        ),
        AttackCase(name: "'+' and '/' in the signature", token: standardAlphabetSignature(), expected: .malformed),
        AttackCase(
            name: "whitespace in the payload",
            token: F.signed(F.encode(F.header) + ". " + F.encode(F.claims())),
            expected: .malformed
        ),
        AttackCase(name: "header not JSON", token: F.token(header: "HS256", payload: F.claims()), expected: .malformed),
        AttackCase(name: "payload not JSON", token: F.token(payload: "sub=alice&exp=1"), expected: .malformed),
        AttackCase(
            name: "header a JSON array",
            token: F.token(header: #"["HS256","JWT"]"#, payload: F.claims()),
            expected: .malformed
        ),
        AttackCase(name: "payload a JSON array", token: F.token(payload: "[" + F.claims() + "]"), expected: .malformed),
        AttackCase(
            name: "header with a trailing comma",
            token: F.token(header: #"{"alg":"HS256",}"#, payload: F.claims()),
            expected: .malformed
        ),
    ]

    static let structure: [AttackCase] = [
        AttackCase(name: "two segments", token: F.encode(F.header) + "." + F.encode(F.claims()), expected: .malformed),
        AttackCase(
            name: "four segments",
            token: F.token(payload: F.claims()) + "." + F.encode("{}"),
            expected: .malformed
        ),
        AttackCase(name: "empty token", token: "", expected: .malformed),
        AttackCase(name: "only dots", token: "..", expected: .malformed),
        AttackCase(
            name: "9 KiB token",
            token: F.token(payload: F.claims(#""pad":"\#(String(repeating: "x", count: 9 * 1024))""#)),
            expected: .tooLarge
        ),
    ]

    static func tamperedPayload() -> String {
        let original = F.token(payload: F.claims())
        let parts = original.split(separator: ".")
        let forged = F.encode(F.claims(exp: String(F.now + 10 * 365 * 86400)))
        return "\(parts[0]).\(forged).\(parts[2])"
    }

    /// A payload segment with its '=' padding kept, signed over the padded text.
    static func paddedPayload() -> String {
        var payload = F.claims()
        if payload.utf8.count % 3 == 0 { payload += " " }
        var segment = F.encode(payload)
        while segment.utf8.count % 4 != 0 { segment += "=" }
        return F.signed(F.encode(F.header) + "." + segment)
    }

    /// A correct signature written in the standard alphabet ('+', '/').
    static func standardAlphabetSignature() -> String {
        for id in 0... {
            let token = F.token(payload: F.claims(#""jti":"\#(id)""#))
            let signature = token.split(separator: ".")[2]
            if signature.contains("-") || signature.contains("_") {
                return String(token.dropLast(signature.count))
                    + signature.replacing("-", with: "+").replacing("_", with: "/")
            }
        }
        fatalError("unreachable")
    }
}

@Test(arguments: AttackCase.all)
func attackIsRejected(_ attack: AttackCase) {
    #expect(throws: attack.expected) {
        try TokenFixtures.verifier.verify(attack.token, now: TokenFixtures.now)
    }
}

@Test func attackTokensDifferFromAValidTokenOnlyInTheAttack() throws {
    // The fixtures' baseline is valid, so each refusal above is due to its one change.
    let claims = try TokenFixtures.verifier.verify(
        TokenFixtures.token(payload: TokenFixtures.claims()),
        now: TokenFixtures.now
    )
    #expect(claims.subject == "alice")
}
