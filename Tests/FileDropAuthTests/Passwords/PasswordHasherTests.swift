import Testing

@testable import FileDropAuth

@Test func hashVerifiesTheRightPasswordOnly() {
    let hasher = PasswordHasher()
    let encoded = hasher.hash("correct horse battery staple")
    #expect(hasher.verify("correct horse battery staple", against: encoded))
    #expect(!hasher.verify("correct horse battery stapl", against: encoded))
    #expect(!hasher.verify("", against: encoded))
}

@Test func hashIsAPHCScryptStringWithTheDefaultCost() throws {
    let encoded = PasswordHasher().hash("pw")
    #expect(encoded.hasPrefix("$scrypt$ln=15,r=8,p=1$"))
    let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
    try #require(fields.count == 5)
    #expect(fields[3].count == 22)  // 16-byte salt, unpadded standard base64
    #expect(fields[4].count == 43)  // 32-byte key
    #expect(!fields[3].contains("=") && !fields[4].contains("="))
}

@Test func twoHashesOfOnePasswordDifferBySalt() {
    let hasher = PasswordHasher(logN: 10)
    let first = hasher.hash("same")
    let second = hasher.hash("same")
    #expect(first != second)
    #expect(hasher.verify("same", against: first))
    #expect(hasher.verify("same", against: second))
}

@Test func hashMadeAtAnotherCostStillVerifies() {
    let old = PasswordHasher(logN: 14).hash("pw")
    #expect(old.hasPrefix("$scrypt$ln=14,r=8,p=1$"))
    #expect(PasswordHasher().verify("pw", against: old))
    #expect(!PasswordHasher().verify("pW", against: old))
}

@Test func emptyAndUnicodePasswordsWork() {
    let hasher = PasswordHasher(logN: 10)
    #expect(hasher.verify("", against: hasher.hash("")))
    #expect(hasher.verify("pässwörd 🔑", against: hasher.hash("pässwörd 🔑")))
    #expect(!hasher.verify("", against: hasher.hash(" ")))
}

/// RFC 7914 §12, third test vector (P = "pleaseletmein", S = "SodiumChloride", N = 16384,
/// r = 8, p = 1, dkLen = 64), written as a PHC string.
@Test func verifiesTheRFC7914TestVectorAsAPHCString() {
    let salt = Base64Codec.standard.encode("SodiumChloride".utf8)
    let hash = Base64Codec.standard.encode(
        bytes(
            hex: "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
                + "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"
        )
    )
    let encoded = "$scrypt$ln=14,r=8,p=1$\(salt)$\(hash)"
    #expect(PasswordHasher().verify("pleaseletmein", against: encoded))
    #expect(!PasswordHasher().verify("pleaseletmeout", against: encoded))
}

/// RFC 7914 §12, second test vector (P = "password", S = "NaCl", N = 1024, r = 8, p = 16).
@Test func derivesTheRFC7914TestVector() {
    let key = ScryptParameters(logN: 10, r: 8, p: 16).deriveKey(
        password: "password",
        salt: Array("NaCl".utf8),
        length: 64
    )
    #expect(
        key.map(Crypto.hex)
            == "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
            + "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
    )
}

@Test(arguments: [
    "",
    "plain text",
    "$scrypt$",
    "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$",
    "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    "$scrypt$r=8,ln=10,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",  // order
    "$scrypt$ln=010,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",  // leading 0
    "$scrypt$ln=+10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",  // sign
    "$scrypt$ln=0,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",  // N = 1
    "$scrypt$ln=30,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",  // 128 GiB
    "$scrypt$ln=10,r=8,p=99$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    "$scrypt$ln=10,r=8$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    "$scrypt$ln=10,r=8,p=1,x=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",  // padding
    "$scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",  // 4-byte salt
    "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA",  // 4-byte hash
    "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g$",
    "x$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
])
func malformedHashStringsDoNotParseOrVerify(_ encoded: String) {
    #expect(PHCScryptString(parsing: encoded) == nil)
    #expect(!PasswordHasher().verify("password", against: encoded))
}

@Test func wellFormedControlStringParses() {
    let encoded = "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
    #expect(PHCScryptString(parsing: encoded) != nil)
}

@Test func phcStringRoundTrips() throws {
    let encoded = PasswordHasher(logN: 10).hash("pw")
    let parsed = try #require(PHCScryptString(parsing: encoded))
    #expect(parsed.parameters == ScryptParameters(logN: 10, r: 8, p: 1))
    #expect(parsed.salt.count == 16)
    #expect(parsed.hash.count == 32)
    #expect(parsed.encoded == encoded)
}

@Test func theDummyHashTakesTheCostMostStoredHashesHave() throws {
    let cheap = PasswordHasher(logN: 1, r: 1, p: 1)
    let other = PasswordHasher(logN: 2, r: 2, p: 1)
    let hashes = [other.hash("a"), cheap.hash("b"), cheap.hash("c"), "not a hash", ""]
    let common = try #require(PasswordHasher.commonCost(of: hashes))
    #expect(common.logN == 1 && common.r == 1 && common.p == 1)
    let first = try #require(PasswordHasher.commonCost(of: [other.hash("a"), cheap.hash("b")]))
    #expect(first.logN == 2 && first.r == 2)
    #expect(PasswordHasher.commonCost(of: []) == nil)
    #expect(PasswordHasher.commonCost(of: ["$scrypt$ln=30,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"]) == nil)
    let matching = try #require(PasswordHasher(costOf: other.hash("x")))
    #expect(matching.logN == 2 && matching.r == 2 && matching.p == 1)
}
