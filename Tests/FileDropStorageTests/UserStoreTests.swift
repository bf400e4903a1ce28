import Testing

@testable import FileDropStorage

@Suite struct UserStoreTests {
    @Test func passwordChangesMoveTheValidityStartPastNow() throws {
        let temporary = try TemporaryDatabase()
        let users = temporary.storage.users
        try users.add(name: "ann", passwordHash: "h1", now: 100)
        #expect(try users.user(named: "ann")?.tokensValidAfter == 100)
        try users.setPassword(name: "ann", passwordHash: "h2", now: 500)
        let ann = try #require(try users.user(named: "ann"))
        #expect(ann.passwordHash == "h2")
        #expect(ann.tokensValidAfter == 501)
        #expect(throws: UserStoreError.notFound("bob")) { try users.setPassword(name: "bob", passwordHash: "h", now: 1) }
    }

    @Test func theValidityStartNeverMovesBack() throws {
        let temporary = try TemporaryDatabase()
        let users = temporary.storage.users
        try users.add(name: "ann", passwordHash: "h1", now: 100)
        try users.setPassword(name: "ann", passwordHash: "h2", now: 900)
        // A clock set back since: the password changes, the tokens stay void.
        try users.setPassword(name: "ann", passwordHash: "h3", now: 400)
        let ann = try #require(try users.user(named: "ann"))
        #expect(ann.passwordHash == "h3")
        #expect(ann.tokensValidAfter == 901)
    }

    @Test func passwordHashesAreListedForTheDummyHashCost() throws {
        let temporary = try TemporaryDatabase()
        let users = temporary.storage.users
        #expect(try users.passwordHashes() == [])
        try users.add(name: "ann", passwordHash: "h1", now: 1)
        try users.add(name: "bob", passwordHash: "h2", now: 1)
        #expect(try users.passwordHashes().sorted() == ["h1", "h2"])
    }

    @Test func usersAreListedByNameAndRemoved() throws {
        let temporary = try TemporaryDatabase()
        let users = temporary.storage.users
        for name in ["zed", "ann", "bob"] { try users.add(name: name, passwordHash: "h", now: 1) }
        #expect(try users.all().map(\.name) == ["ann", "bob", "zed"])
        try users.remove(name: "bob")
        #expect(try users.all().map(\.name) == ["ann", "zed"])
        #expect(throws: UserStoreError.notFound("bob")) { try users.remove(name: "bob") }
    }

    @Test func revocationsAreKeptUntilTheyExpire() throws {
        let temporary = try TemporaryDatabase()
        let users = temporary.storage.users
        try users.revoke(tokenID: "old", expiresAt: 100)
        try users.revoke(tokenID: "new", expiresAt: 1000)
        try users.revoke(tokenID: "new", expiresAt: 1000)
        #expect(try users.pruneRevocations(expiredBefore: 50) == 0)
        #expect(try users.revokedTokenIDs() == ["old", "new"])
        #expect(try users.pruneRevocations(expiredBefore: 500) == 1)
        #expect(try users.revokedTokenIDs() == ["new"])
    }
}
