/// A user account as stored.
public struct UserRecord: Sendable, Equatable {
    public var name: String
    public var passwordHash: String
    /// Unix seconds: tokens issued before this instant are void.
    public var tokensValidAfter: Int64
    /// Unix seconds.
    public var createdAt: Int64
    /// Bytes the user's stored files may take; nil: no quota of its own.
    public var quota: Int64?
}

public enum UserStoreError: Error, Equatable, Sendable {
    case alreadyExists(String)
    case notFound(String)
}

/// Users and revoked tokens.
///
/// Token validity is kept here so that other processes (`app user passwd`, `app user remove`)
/// take effect on a running server: a password change moves `tokens_valid_after` to the next
/// whole second, voiding every token issued before it; removing the user voids them all.
/// The server issues a token's `iat` no earlier than `tokens_valid_after`, so a login in the
/// same second as a password change still gets a working token.
public final class UserStore {
    private let database: Database

    init(database: Database) {
        self.database = database
    }

    /// After a password change: the first whole second after `now`, since a token issued in
    /// the same second as the change (`iat` has whole seconds) may be older than it.
    static func validityStart(afterPasswordChangeAt now: Int64) -> Int64 { now + 1 }

    /// Adds a user; `quota` is the bytes its files may take (nil or 0: no quota).
    public func add(name: String, passwordHash: String, now: Int64, quota: Int64? = nil) throws {
        let insert = try database.statement(
            "INSERT INTO users (name, password_hash, tokens_valid_after, created_at, quota) VALUES (?, ?, ?, ?, ?)"
        )
        try insert.bind(name, at: 1)
        try insert.bind(passwordHash, at: 2)
        // A new user's tokens are good from the second it was created (a user removed and
        // added again under the same name in the same second keeps that second's tokens).
        try insert.bind(now, at: 3)
        try insert.bind(now, at: 4)
        try insert.bind(quota == 0 ? nil : quota, at: 5)
        do {
            try insert.run()
        } catch let error where error.isUniqueConstraintViolation {
            throw UserStoreError.alreadyExists(name)
        }
    }

    /// Sets a new password hash and voids every token the user held. The validity start only
    /// ever moves forward, even if this machine's clock went back since the last change.
    public func setPassword(name: String, passwordHash: String, now: Int64) throws {
        let update = try database.statement(
            "UPDATE users SET password_hash = ?, tokens_valid_after = max(tokens_valid_after, ?) WHERE name = ?"
        )
        try update.bind(passwordHash, at: 1)
        try update.bind(Self.validityStart(afterPasswordChangeAt: now), at: 2)
        try update.bind(name, at: 3)
        try update.run()
        guard database.changes == 1 else { throw UserStoreError.notFound(name) }
    }

    /// Sets the bytes a user's files may take; 0 or nil removes the quota.
    public func setQuota(name: String, bytes: Int64?) throws {
        let update = try database.statement("UPDATE users SET quota = ? WHERE name = ?")
        try update.bind(bytes == 0 ? nil : bytes, at: 1)
        try update.bind(name, at: 2)
        try update.run()
        guard database.changes == 1 else { throw UserStoreError.notFound(name) }
    }

    public func remove(name: String) throws {
        let delete = try database.statement("DELETE FROM users WHERE name = ?")
        try delete.bind(name, at: 1)
        try delete.run()
        guard database.changes == 1 else { throw UserStoreError.notFound(name) }
    }

    public func user(named name: String) throws -> UserRecord? {
        let query = try database.statement(
            "SELECT name, password_hash, tokens_valid_after, created_at, quota FROM users WHERE name = ?"
        )
        defer { query.reset() }
        try query.bind(name, at: 1)
        return try query.step() ? Self.record(from: query) : nil
    }

    /// Every user, by name.
    public func all() throws -> [UserRecord] {
        let query = try database.statement(
            "SELECT name, password_hash, tokens_valid_after, created_at, quota FROM users ORDER BY name"
        )
        defer { query.reset() }
        var users: [UserRecord] = []
        while try query.step() {
            users.append(Self.record(from: query))
        }
        return users
    }

    /// Every user's password hash (to match the cost of the dummy hash unknown names are
    /// checked against).
    public func passwordHashes() throws -> [String] {
        let query = try database.statement("SELECT password_hash FROM users")
        defer { query.reset() }
        var hashes: [String] = []
        while try query.step() {
            hashes.append(query.string(at: 0))
        }
        return hashes
    }

    public func count() throws -> Int {
        Int(try database.scalarInt("SELECT count(*) FROM users"))
    }

    // MARK: Revoked tokens

    /// Records that the token `tokenID` may no longer be used; kept until it expires.
    public func revoke(tokenID: String, expiresAt: Int64) throws {
        let insert = try database.statement(
            "INSERT OR IGNORE INTO revoked_tokens (token_id, expires_at) VALUES (?, ?)"
        )
        try insert.bind(tokenID, at: 1)
        try insert.bind(expiresAt, at: 2)
        try insert.run()
    }

    /// Forgets the revocations of tokens that expired before `expiredBefore` (they are
    /// refused for their expiry anyway); returns how many were forgotten.
    @discardableResult
    public func pruneRevocations(expiredBefore: Int64) throws -> Int {
        let prune = try database.statement("DELETE FROM revoked_tokens WHERE expires_at < ?")
        try prune.bind(expiredBefore, at: 1)
        try prune.run()
        return database.changes
    }

    /// The ids of every revoked token still recorded.
    public func revokedTokenIDs() throws -> Set<String> {
        let query = try database.statement("SELECT token_id FROM revoked_tokens")
        defer { query.reset() }
        var tokens = Set<String>()
        while try query.step() {
            tokens.insert(query.string(at: 0))
        }
        return tokens
    }

    private static func record(from row: Statement) -> UserRecord {
        UserRecord(
            name: row.string(at: 0),
            passwordHash: row.string(at: 1),
            tokensValidAfter: row.int64(at: 2),
            createdAt: row.int64(at: 3),
            quota: row.optionalInt64(at: 4)
        )
    }
}

@available(*, unavailable)
extension UserStore: Sendable {}
