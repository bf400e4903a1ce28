import FileDropStorage
import NIOCore

/// The first page of the file list, and the answers built from it, kept on the event loop so
/// that `GET /` and `GET /files` (no search, no cursor) need no storage-thread hop in the
/// common case.
///
/// Exactness comes from `generation`, which moves whenever the database may have changed:
/// `ChangeTrackingStorage` reads SQLite's data version after every storage job and bumps the
/// generation on the event loop before the job's result reaches its caller, so a write's 2xx
/// (upload, delete, edit, expiry, drop upload, whatever commits) always goes out after the
/// bump, and a `GET` that starts after that 2xx finds nothing cached from before it. A
/// listing read concurrently with a write is kept only when no bump happened while it was
/// being read (its generation is taken before the read starts).
///
/// Another process's commits (the CLI deleting a user, a restore) are noticed by any storage
/// job that reads the database; a listing is therefore trusted for `recheckMilliseconds` after
/// it was read, and the next request after that reads it again (and so learns of them). A
/// listing also ends at the first `expires_at` among its files, when one of them leaves it.
///
/// Loop-bound: used only on the server's event loop.
final class ListingCache {
    /// What a cached page shows besides the files: the user's use and quota, everyone's use.
    struct Figures: Equatable {
        var used: Int64
        var quota: Int64?
        var usedTotal: Int64
    }

    private struct Listing {
        var files: [FileRecord]
        var generation: UInt64
        /// When the read started (Unix ms): trusted until `readAt + recheckMilliseconds`.
        var readAt: Int64
        /// The first expiry among `files` (Unix ms), when the listing stops being true.
        var validUntil: Int64
        /// Rendered answers, by variant (the user, for the per-user page).
        var bodies: [String: (figures: Figures?, body: ByteBuffer)] = [:]
    }

    /// At most this many rendered answers per listing (one per user who looked); more and
    /// the oldest are all dropped.
    static let maxBodies = 256

    /// How long a listing is trusted to reflect other processes' commits; 0 reads it again
    /// on every request (channel tests that write to the database behind the server's back).
    var recheckMilliseconds: Int64 = 100

    /// Moves whenever the database may have changed.
    private(set) var generation: UInt64 = 0
    private var commitCounter: UInt32?
    /// By the number of files read (the page size plus one).
    private var listings: [Int: Listing] = [:]
    /// Reads under way, by the number of files read: requests that miss meanwhile share them.
    private var reads: [Int: (generation: UInt64, files: EventLoopFuture<[FileRecord]>)] = [:]

    /// Called with SQLite's data version (`Storage.commitCounter`) after each storage job, on
    /// the event loop, before the job's result goes on: any change bumps the generation.
    func noteCommitCounter(_ counter: UInt32) {
        guard counter != commitCounter else { return }
        if commitCounter != nil {
            generation &+= 1
            listings.removeAll(keepingCapacity: true)
        }
        commitCounter = counter
    }

    /// The first `limit` files (unexpired, newest first) at `now`, and the generation they
    /// belong to: from the cache when trusted, else read on the storage thread, one read at a
    /// time for every request that misses meanwhile.
    func firstFiles(
        limit: Int, now: Int64, storage: any StorageAccess, eventLoop: EventLoop
    ) -> EventLoopFuture<(files: [FileRecord], generation: UInt64)> {
        let generation = self.generation
        if let listing = listings[limit], isTrusted(listing, now: now) {
            return eventLoop.makeSucceededFuture((listing.files, generation))
        }
        if let read = reads[limit], read.generation == generation {
            return read.files.map { ($0, generation) }
        }
        let read = storage.run { storage in try storage.files.list(limit: limit, now: now) }
        reads[limit] = (generation, read)
        read.assumeIsolated().whenComplete { _ in
            if self.reads[limit]?.files === read { self.reads[limit] = nil }
        }
        return read.assumeIsolated().map { files in
            self.store(files: files, limit: limit, generation: generation, readAt: now)
            return (files, generation)
        }.nonisolated()
    }

    /// The answer rendered for `variant` from the cached listing with the same `figures`.
    func body(limit: Int, variant: String, figures: Figures?, now: Int64) -> ByteBuffer? {
        guard let listing = listings[limit], isTrusted(listing, now: now), let kept = listing.bodies[variant],
            kept.figures == figures
        else { return nil }
        return kept.body
    }

    /// Keeps `files`, read from the database with the generation `generation` at `readAt`;
    /// ignored when the generation moved meanwhile. A read that found the same files in the
    /// same generation (nothing changed since the last: the common case of the periodic
    /// recheck) keeps the answers rendered from them.
    private func store(files: [FileRecord], limit: Int, generation: UInt64, readAt: Int64) {
        guard generation == self.generation else { return }
        let validUntil = files.compactMap(\.expiresAt).min() ?? .max
        var listing = Listing(files: files, generation: generation, readAt: readAt, validUntil: validUntil)
        if let kept = listings[limit], kept.generation == generation, kept.files == files {
            listing.bodies = kept.bodies
        }
        listings[limit] = listing
    }

    /// Keeps an answer rendered from the cached listing of `limit` files in `generation`.
    func store(body: ByteBuffer, limit: Int, variant: String, figures: Figures?, generation: UInt64) {
        guard generation == self.generation, var listing = listings[limit], listing.generation == generation else { return }
        if listing.bodies.count >= Self.maxBodies { listing.bodies.removeAll() }
        listing.bodies[variant] = (figures, body)
        listings[limit] = listing
    }

    private func isTrusted(_ listing: Listing, now: Int64) -> Bool {
        listing.generation == generation && now < listing.validUntil && now >= listing.readAt
            && now - listing.readAt < recheckMilliseconds
    }
}

@available(*, unavailable)
extension ListingCache: Sendable {}
