import Testing

@testable import FileDropServer

/// The body of `PATCH /files/ID`: what is taken, and the reason for what is not.
@Suite struct FileEditRequestTests {
    @Test(arguments: [
        (#"{"description":"  New name  "}"#, FileEditRequest(description: "New name")),
        (#"{"expires_at":null}"#, FileEditRequest(expiresAt: .never)),
        (#"{"expires_at":"2030-01-31T12:00:00Z"}"#, FileEditRequest(expiresAt: .at(1_896_091_200_000))),
        (
            #" { "description" : "d" , "expires_at" : "2030-01-31T13:00:00+01:00" } "#,
            FileEditRequest(description: "d", expiresAt: .at(1_896_091_200_000))
        ),
    ])
    func acceptedBodies(body: String, expected: FileEditRequest) {
        #expect(FileEditRequest.parse(Array(body.utf8)) == .success(expected))
    }

    @Test(arguments: [
        ("", "The body must be a JSON object with description and/or expires_at"),
        ("[]", "The body must be a JSON object with description and/or expires_at"),
        ("\"x\"", "The body must be a JSON object with description and/or expires_at"),
        (#"{"description":"a",}"#, "The body must be a JSON object with description and/or expires_at"),
        (#"{"description":"a","description":"b"}"#, "The body must be a JSON object with description and/or expires_at"),
        ("{}", "Nothing to change: send description and/or expires_at"),
        (#"{"filename":"x"}"#, #"Unknown field "filename": only description and expires_at can change"#),
        (#"{"description":"a","size":1}"#, #"Unknown field "size": only description and expires_at can change"#),
        (#"{"description":5}"#, "description must be a string"),
        (#"{"description":null}"#, "description must be a string"),
        (#"{"description":"   "}"#, "A description is required"),
        (#"{"expires_at":3600}"#, "expires_at must be an RFC 3339 time (a string) or null"),
        (#"{"expires_at":"tomorrow"}"#, "expires_at must be an RFC 3339 time such as 2030-01-31T12:00:00Z, or null"),
        (#"{"expires_at":"2030-02-30T00:00:00Z"}"#, "expires_at must be an RFC 3339 time such as 2030-01-31T12:00:00Z, or null"),
    ])
    func refusedBodies(body: String, message: String) {
        #expect(FileEditRequest.parse(Array(body.utf8)) == .failure(FileEditRequest.Problem(message: message)))
    }

    @Test func aDescriptionOverTheLimitIsRefused() {
        let long = String(repeating: "é", count: 201)
        let body = "{\"description\":\"\(long)\"}"
        #expect(FileEditRequest.parse(Array(body.utf8)) == .failure(.init(message: "The description is too long (200 characters at most)")))
    }
}

/// RFC 3339 times as `PATCH` takes them.
@Suite struct RFC3339ParsingTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64?.some(0)),
        ("2030-01-31T12:00:00Z", 1_896_091_200_000),
        ("2030-01-31t12:00:00z", 1_896_091_200_000),
        ("2030-01-31T12:00:00.5Z", 1_896_091_200_500),
        ("2030-01-31T12:00:00.123456Z", 1_896_091_200_124),  // finer than a millisecond: up
        ("2030-01-31T12:00:00.120000Z", 1_896_091_200_120),
        ("2030-01-31T13:30:00+01:30", 1_896_091_200_000),
        ("2030-01-31T10:00:00-02:00", 1_896_091_200_000),
        ("2000-02-29T00:00:00Z", 951_782_400_000),
        ("1969-12-31T23:59:59Z", -1000),
        ("2016-12-31T23:59:60Z", 1_483_228_800_000),  // a leap second: the next minute's first
        ("2001-02-29T00:00:00Z", nil),
        ("2030-13-01T00:00:00Z", nil),
        ("2030-01-31T24:00:00Z", nil),
        ("2030-01-31T12:00:00", nil),
        ("2030-01-31 12:00:00Z", nil),
        ("2030-01-31T12:00Z", nil),
        ("2030-01-31T12:00:00.Z", nil),
        ("2030-01-31T12:00:00+0100", nil),
        ("2030-01-31T12:00:00Z ", nil),
        ("+2030-01-31T12:00:00Z", nil),
        ("", nil),
    ])
    func parsing(text: String, milliseconds: Int64?) {
        #expect(RFC3339.parse(text) == milliseconds)
    }

    @Test func formatAndParseAgree() {
        for seconds: Int64 in [0, 1, 951_782_400, 1_795_926_645, 4_102_444_799, 253_402_300_799] {
            #expect(RFC3339.parse(RFC3339.format(unixSeconds: seconds)) == seconds * 1000)
        }
    }
}
