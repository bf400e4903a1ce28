import FileDropStorage
import NIOCore

/// `StorageAccess` that tells the `ListingCache` whenever the database changed: after each
/// job it reads SQLite's data version (`Storage.commitCounter`: this connection's commits and,
/// once the job has read, other processes' too), and on the event loop hands it to the cache
/// before the job's result (or error) reaches the caller. So whatever a route answers after a
/// write, its 2xx included, goes out after the cache has forgotten what the write changed.
///
/// The server's routes and background tasks all reach the database through one of these.
/// Loop-bound: `run` is called on the server's event loop.
final class ChangeTrackingStorage: StorageAccess {
    private let inner: any StorageAccess
    let cache: ListingCache

    init(_ inner: any StorageAccess, cache: ListingCache) {
        self.inner = inner
        self.cache = cache
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (Storage) throws -> T) -> EventLoopFuture<T> {
        inner.run { storage in
            let result = Result { try body(storage) }
            return (result, storage.commitCounter)
        }.assumeIsolated().flatMapThrowing { [cache] result, counter in
            cache.noteCommitCounter(counter)
            return try result.get()
        }.nonisolated()
    }
}

@available(*, unavailable)
extension ChangeTrackingStorage: Sendable {}
