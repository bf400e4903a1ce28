/// The schema, as numbered migrations tracked with `PRAGMA user_version`.
///
/// Migrations only ever get appended: migration N takes a database at version N-1 to N.
/// Each runs in its own transaction together with the version bump.
enum Migrations {
    static let all: [String] = [
        // 1: users, revoked tokens, files stored as chunk rows.
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            -- Unix seconds; tokens issued before this are void (set on creation and passwd).
            tokens_valid_after INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE revoked_tokens (
            token_id TEXT PRIMARY KEY,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE files (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            -- NULL while the upload is in progress; unique among stored files.
            description TEXT UNIQUE,
            filename TEXT NOT NULL,
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL DEFAULT 0,
            sha256 TEXT,
            chunk_size INTEGER NOT NULL,
            -- Unix milliseconds: when the upload completed (when it began, while pending).
            created_at INTEGER NOT NULL,
            uploaded_by TEXT NOT NULL,
            complete INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX files_newest ON files (created_at DESC, id DESC) WHERE complete = 1;
        CREATE TABLE chunks (
            file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (file_id, seq)
        );
        """,
        // 2: what a file record says of its share and drop links: how many link downloads
        // were answered, and the drop link that received the file (NULL for none).
        """
        ALTER TABLE files ADD COLUMN downloads INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE files ADD COLUMN drop_id INTEGER;
        """,
        // 3: file lifetimes, per-user quotas, and search over descriptions and file names.
        """
        -- Unix milliseconds (whole seconds); NULL: the file never expires.
        ALTER TABLE files ADD COLUMN expires_at INTEGER;
        CREATE INDEX files_expiry ON files (expires_at) WHERE complete = 1 AND expires_at IS NOT NULL;
        -- Bytes a quota sums per user: a covering index, so the sum reads no table rows.
        CREATE INDEX files_usage ON files (uploaded_by, size);
        -- Bytes the user's stored files may take; NULL: no quota of its own.
        ALTER TABLE users ADD COLUMN quota INTEGER;
        -- Words of descriptions and file names: split at anything that is not a letter or a
        -- digit, case-folded, Latin diacritics removed ("Über" is indexed as "uber"). An
        -- external-content table: the text stays in `files`; the triggers keep the index in
        -- step with every insert, change and delete, whoever makes it. Prefix indexes for
        -- one- and two-character words keep short prefix searches from scanning every term.
        CREATE VIRTUAL TABLE files_search USING fts5(
            description, filename,
            content = 'files', content_rowid = 'id',
            tokenize = "unicode61 remove_diacritics 2", prefix = '1 2'
        );
        CREATE TRIGGER files_search_insert AFTER INSERT ON files BEGIN
            INSERT INTO files_search (rowid, description, filename) VALUES (new.id, new.description, new.filename);
        END;
        CREATE TRIGGER files_search_delete AFTER DELETE ON files BEGIN
            INSERT INTO files_search (files_search, rowid, description, filename)
            VALUES ('delete', old.id, old.description, old.filename);
        END;
        CREATE TRIGGER files_search_update AFTER UPDATE OF description, filename ON files BEGIN
            INSERT INTO files_search (files_search, rowid, description, filename)
            VALUES ('delete', old.id, old.description, old.filename);
            INSERT INTO files_search (rowid, description, filename) VALUES (new.id, new.description, new.filename);
        END;
        INSERT INTO files_search (files_search) VALUES ('rebuild');
        """,
        // 4: links for people without an account (SPEC "Sharing"). Share links give one file's
        // bytes; drop links take uploads. A link is found by the SHA-256 of its token; the token
        // itself is not stored but derived again from `seed` and the server key (see
        // `LinkTokens`), so a copy of the database alone opens no link. Link times are Unix
        // milliseconds. (`files.downloads` and `files.drop_id` came with migration 2.)
        """
        CREATE TABLE share_links (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
            token_hash BLOB NOT NULL UNIQUE,
            seed BLOB NOT NULL,
            expires_at INTEGER NOT NULL,
            max_downloads INTEGER,
            downloads INTEGER NOT NULL DEFAULT 0,
            -- A PHC scrypt string, or NULL for a link without a passphrase.
            passphrase_hash TEXT,
            created_by TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX share_links_of_file ON share_links (file_id, id);
        CREATE TABLE drop_links (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            token_hash BLOB NOT NULL UNIQUE,
            seed BLOB NOT NULL,
            label TEXT NOT NULL,
            expires_at INTEGER NOT NULL,
            max_files INTEGER,
            max_bytes INTEGER,
            -- Files and bytes received so far: the budget used. Deleting a received file does
            -- not give it back.
            files INTEGER NOT NULL DEFAULT 0,
            bytes INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            -- Unix milliseconds; NULL while the link works. A revoked link's row stays: its
            -- files still count against its creator's quota.
            revoked_at INTEGER
        );
        """,
        // 5: resumable (tus) uploads. The bytes go into the chunk rows of the upload's `files` row
        // (complete = 0 until the last byte, holding the description from the start, so that
        // the UNIQUE constraint reserves it); this row holds the upload's progress.
        """
        CREATE TABLE tus_uploads (
            -- base64url of 16 random bytes: the URL's last segment.
            id TEXT PRIMARY KEY,
            file_id INTEGER NOT NULL UNIQUE REFERENCES files (id) ON DELETE CASCADE,
            -- UploadOwner.key: 'user:NAME' or 'drop:ID'; anyone else gets 404.
            owner TEXT NOT NULL,
            length INTEGER NOT NULL,
            -- Bytes stored and committed, and the SHA-256 state of exactly those bytes.
            upload_offset INTEGER NOT NULL DEFAULT 0,
            digest_state BLOB NOT NULL,
            -- Upload-Metadata as the client sent it, answered again by HEAD.
            metadata TEXT NOT NULL,
            -- The file's lifetime in seconds, counted from completion (metadata expires_in).
            expires_in INTEGER,
            -- Unix milliseconds. Unfinished: when it expires (24 h after its creation or its last
            -- stored bytes). Finished: when HEAD stops answering for it.
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            finished_at INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX tus_uploads_expiry ON tus_uploads (expires_at);
        """,
        // 6: the search index may trail the newest files. Indexing a file in its upload's own
        // commit wrote four more pages (index segment, structure, term index, document size)
        // of the thirteen a small upload's commit writes; now files with an id above
        // `indexed_through` are indexed afterwards, many in one commit
        // (`FileStore.indexFilesForSearch`: when the server is idle, and always before a
        // search runs). Ids only grow (AUTOINCREMENT), so "indexed" is exactly
        // `id <= indexed_through`, and only an indexed file's change or delete touches the index.
        """
        CREATE TABLE search_progress (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            indexed_through INTEGER NOT NULL
        );
        INSERT INTO search_progress (id, indexed_through) SELECT 1, coalesce(max(id), 0) FROM files;
        DROP TRIGGER files_search_insert;
        DROP TRIGGER files_search_delete;
        DROP TRIGGER files_search_update;
        CREATE TRIGGER files_search_delete AFTER DELETE ON files
        WHEN old.id <= (SELECT indexed_through FROM search_progress) BEGIN
            INSERT INTO files_search (files_search, rowid, description, filename)
            VALUES ('delete', old.id, old.description, old.filename);
        END;
        CREATE TRIGGER files_search_update AFTER UPDATE OF description, filename ON files
        WHEN old.id <= (SELECT indexed_through FROM search_progress) BEGIN
            INSERT INTO files_search (files_search, rowid, description, filename)
            VALUES ('delete', old.id, old.description, old.filename);
            INSERT INTO files_search (rowid, description, filename) VALUES (new.id, new.description, new.filename);
        END;
        """,
    ]

    /// Brings `database` up to the newest schema.
    static func run(on database: Database) throws {
        let current = Int(try database.scalarInt("PRAGMA user_version"))
        guard current <= all.count else {
            throw DatabaseError(
                code: 1,
                message: "the database has schema version \(current), newer than this program knows (\(all.count))"
            )
        }
        for version in current..<all.count {
            try database.transaction {
                try database.execute(all[version])
                try database.execute("PRAGMA user_version = \(version + 1)")
            }
        }
    }
}
