import FileDropStorage
import NIOCore

/// The storage's own maintenance tasks: reclaiming the space of deleted files and sweeping
/// incomplete uploads that nobody is writing any more. (Other features register theirs.)
enum StorageMaintenance {
    static let reclaimName = "reclaim space"
    static let sweepName = "sweep incomplete uploads"
    static let searchIndexName = "index files for search"
    /// One indexing step indexes at most this many files (a few ms on the release build).
    static let filesIndexedPerStep = 500

    /// One reclaim step frees at most 16 chunk rows (16 MiB of content, a few pages of free
    /// list written) or gives back at most 1 MiB of pages (moving them writes at most ~1 MiB
    /// to the WAL). A step's pages stay within SQLite's page cache (2 MB): at 4 MiB a step,
    /// the pages a vacuum freed at the file's end spilled into the WAL, whose 64 MiB limit
    /// then paused it for a checkpoint every 14,000 pages (the newest 1 GiB file: 7 s, now
    /// under 1 s). Measured on the release build, a step of either kind held the storage
    /// thread for a few milliseconds (README, "Space comes back").
    static let reclaimLimits = ReclaimLimits(chunksPerStep: 16, vacuumBytesPerStep: 1 << 20)
    /// The vacuum moves pages through the WAL: it pauses while the WAL holds more than this
    /// not yet copied into the database file, until a checkpoint has copied it (the next
    /// commit then starts the `-wal` file over), so that deleting a large file early in the
    /// database never needs spare disk the size of the files after it.
    static let reclaimWALLimit: Int64 = 64 << 20
    /// Incomplete uploads not written by anyone are swept when at least this old; a new
    /// upload's row is safe while its id travels to `LiveUploads`.
    static let sweepMinimumAgeMilliseconds: Int64 = 60_000

    /// Frees the chunks of deleted and aborted files, then gives the free pages back to the
    /// file system. Woken after every delete and abort; every 30 s it looks anyway.
    ///
    /// Under Litestream the `-wal` file is only checkpointed by Litestream, once a second
    /// at most, so the vacuum paces itself to one step per tick instead (16 MiB/s).
    ///
    /// While an upload streams in (`uploadsStreaming`), the reclaim waits, as long as the disk
    /// has room (`Storage.mayPostponeReclaim`) and for at most `postponedAtMost` (a minute) in a
    /// row: freeing a large file's chunks shared the storage thread with the upload and cost
    /// it a quarter of its speed, and the pages a vacuum gives back are those the upload
    /// takes again.
    static func reclaimSpace(
        litestream: Bool, uploadsStreaming: @escaping () -> Bool = { false }, postponedAtMost: TimeAmount = reclaimPostponedAtMost
    ) -> MaintenanceTask {
        let postponed = PostponedSince()
        return MaintenanceTask(name: reclaimName, interval: .seconds(30)) {
            let now = NIODeadline.now()
            let mayWait: Bool
            if uploadsStreaming() {
                let since = postponed.since ?? now
                postponed.since = since
                mayWait = now - since < postponedAtMost
            } else {
                postponed.since = nil
                mayWait = false
            }
            return { storage in
                if mayWait, try storage.mayPostponeReclaim() { return .later }
                if !litestream && storage.walUncopiedBytes >= reclaimWALLimit { return .later }
                switch try storage.reclaimStep(reclaimLimits) {
                case .finished: return .finished
                case .freedChunks: return .more
                case .vacuumed: return litestream ? .later : .more
                }
            }
        }
    }

    /// Indexes the files stored since the last step for search (`FileStore.indexFilesForSearch`),
    /// many in one commit instead of four more pages in each upload's: at the first tick after
    /// the database changed (`listings` moved to a new generation), and every minute anyway.
    /// A search does not wait for it: it indexes what is left itself.
    static func indexFilesForSearch(listings: ListingCache) -> MaintenanceTask {
        let looked = LookedAt()
        return MaintenanceTask(name: searchIndexName, interval: .seconds(60), hasNewWork: { listings.generation != looked.generation }) {
            looked.generation = listings.generation
            return { storage in
                try storage.files.indexFilesForSearch(limit: filesIndexedPerStep) ? .more : .finished
            }
        }
    }

    /// The longest the reclaim waits for streaming uploads in a row.
    static let reclaimPostponedAtMost = TimeAmount.seconds(60)

    /// Since when the reclaim has waited for streaming uploads. Lives on the event loop.
    private final class PostponedSince {
        var since: NIODeadline?
    }

    /// The listing generation the indexing task last ran at. Lives on the event loop.
    private final class LookedAt {
        var generation: UInt64?
    }

    /// Hands incomplete uploads that no upload in this process is writing (what an abort
    /// could not remove, on a full disk say) to the reclaim task, which frees them at its
    /// next look. Every minute.
    static func sweepIncompleteUploads(live: LiveUploads, clock: WallClock) -> MaintenanceTask {
        MaintenanceTask(name: sweepName, interval: .seconds(60)) {
            let (keeping, cutoff) = (live.ids, clock.unixMilliseconds - sweepMinimumAgeMilliseconds)
            return { storage in
                let swept = try storage.files.sweepIncompleteUploads(startedBefore: cutoff, keeping: keeping)
                return swept > 0 ? .more : .finished
            }
        }
    }
}
