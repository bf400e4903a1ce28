import Testing

@testable import FileDropServer

/// How a reload of the accounts merges with what the server learnt meanwhile.
@Suite struct AccountSnapshotTests {
    @Test func theReloadDecidesWhoExistsButValidityStartsNeverMoveBack() {
        let current = AccountSnapshot(tokensValidAfter: ["ann": 500, "bob": 100, "gone": 50], revoked: ["jti:a"])
        let loaded = AccountSnapshot(tokensValidAfter: ["ann": 200, "bob": 300, "new": 10], revoked: ["jti:b"])
        let merged = current.refreshed(with: loaded, unconfirmed: ["jti:c"])
        #expect(merged.tokensValidAfter == ["ann": 500, "bob": 300, "new": 10])
        // Stored revocations come from the database; unconfirmed ones from memory.
        #expect(merged.revoked == ["jti:b", "jti:c"])
    }
}
