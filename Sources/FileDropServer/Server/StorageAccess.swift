import FileDropStorage
import NIOCore

/// How request code reaches the database: `run` hands a closure the `Storage` on the thread
/// that owns it and completes the returned future on the server's event loop.
///
/// The server runs the closures on its one storage thread (`StorageExecutor`), so the event
/// loop never blocks on SQLite. Channel tests use an inline version that runs the closure at
/// once on the calling thread, so a whole request, database included, runs on an
/// `EmbeddedChannel`. Closures are `@Sendable` and results `Sendable`, because in production
/// they cross threads; `Storage` itself never leaves its thread.
protocol StorageAccess: AnyObject {
    func run<T: Sendable>(_ body: @escaping @Sendable (Storage) throws -> T) -> EventLoopFuture<T>
}
