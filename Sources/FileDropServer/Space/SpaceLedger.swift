/// The bytes each user's files take and the bytes uploads in progress have reserved, and
/// whether one more byte fits, per SPEC "File lifetime, editing, search and quotas":
///
/// - a user's quota counts the `size` of their stored files (drop-link files count for the
///   drop's creator: the caller names the owner) plus what their unfinished uploads reserved;
/// - `--max-storage` counts the same over everyone;
/// - `--min-free-space` refuses an upload whose known length would leave less free disk
///   space than that (the storage thread checks the real free space again before every
///   chunk it writes, which catches whatever this snapshot could not know).
///
/// Reaching a limit exactly is allowed; passing it is refused. Uploads reserve bytes before
/// they store them (their known length at once, or as their bytes arrive), so two uploads
/// running together cannot pass a limit that each alone would not: every decision is taken
/// here, one at a time, on the event loop.
///
/// The stored bytes come from the database: a snapshot now and then (`replaceStored`), and
/// in between the changes the server makes itself (`commit`, `removeStored`) applied in the
/// order the storage thread made them, so that the two always agree. Pure arithmetic: no
/// clock, no I/O; tested directly (`SpaceLedgerTests`).
struct SpaceLedger: Sendable {
    struct Limits: Sendable, Equatable {
        /// `--max-storage`; 0: no limit.
        var maxStorage: Int64 = 0
        /// `--min-free-space`; 0: no check.
        var minFreeSpace: Int64 = 0
    }

    /// One upload's claim on space, until it is committed or released.
    struct Reservation: Hashable, Sendable {
        fileprivate let id: UInt64
    }

    enum Refusal: Error, Equatable, Sendable {
        /// The owner's quota (bytes) would be passed.
        case quota(Int64)
        /// `--max-storage` would be passed.
        case storageLimit(Int64)
        /// Less than `--min-free-space` would be left on the disk.
        case freeSpace

        var message: String {
            switch self {
            case .quota(let bytes):
                "This upload would pass your storage quota of \(bytes) bytes (\(Pages.humanSize(bytes)))"
            case .storageLimit(let bytes):
                "This upload would pass the server's storage limit of \(bytes) bytes (\(Pages.humanSize(bytes)))"
            case .freeSpace:
                "The server's disk does not have enough free space for this upload"
            }
        }
    }

    let limits: Limits
    /// Bytes of stored files (and unfinished resumable uploads) per owner, from the database.
    private(set) var stored: [String: Int64] = [:]
    private(set) var storedTotal: Int64 = 0
    private var reservations: [UInt64: (owner: String, bytes: Int64)] = [:]
    private var reservedByOwner: [String: Int64] = [:]
    private(set) var reservedTotal: Int64 = 0
    /// Free bytes on the database's file system at the last look; nil before the first.
    private(set) var availableBytes: Int64?
    /// The disk filled up at the last look (the storage's emergency reserve is in use): every
    /// upload is refused, whatever `--min-free-space` says, until there is room again.
    private(set) var diskFull = false
    private var nextID: UInt64 = 0

    init(limits: Limits) {
        self.limits = limits
    }

    /// Bytes counted against `owner`'s quota: stored plus reserved.
    func used(by owner: String) -> Int64 {
        (stored[owner] ?? 0).saturatingAdd(reservedByOwner[owner] ?? 0)
    }

    /// Bytes counted against `--max-storage`: stored plus reserved, everyone's.
    var usedTotal: Int64 { storedTotal.saturatingAdd(reservedTotal) }

    // MARK: Uploads

    /// Reserves `bytes` for an upload by `owner` (whose quota is `quota`; nil or 0: none).
    /// `bytes` is what the upload will store at least (0 when its length is unknown).
    mutating func reserve(owner: String, bytes: Int64, quota: Int64?) -> Result<Reservation, Refusal> {
        let bytes = max(0, bytes)
        if diskFull { return .failure(.freeSpace) }
        if let refusal = refusal(owner: owner, adding: bytes, quota: quota) { return .failure(refusal) }
        if limits.minFreeSpace > 0, let available = availableBytes, available - bytes < limits.minFreeSpace {
            return .failure(.freeSpace)
        }
        nextID &+= 1
        reservations[nextID] = (owner, 0)
        change(nextID, by: bytes)
        return .success(Reservation(id: nextID))
    }

    /// The upload has `bytes` now (or will have at least that many): reserves the difference
    /// when that is more than it holds. Refused when a quota or the storage limit would be
    /// passed; the reservation then stays as it was.
    mutating func grow(_ reservation: Reservation, to bytes: Int64, quota: Int64?) -> Refusal? {
        guard let held = reservations[reservation.id], bytes > held.bytes else { return nil }
        if let refusal = refusal(owner: held.owner, adding: bytes - held.bytes, quota: quota) { return refusal }
        change(reservation.id, by: bytes - held.bytes)
        return nil
    }

    /// The upload ended without storing anything: its bytes are free again.
    mutating func release(_ reservation: Reservation) {
        guard let held = reservations[reservation.id] else { return }
        change(reservation.id, by: -held.bytes)
        reservations[reservation.id] = nil
    }

    /// The upload was stored with `storedBytes`: they move from reserved to stored in one
    /// step, so no other upload sees them counted twice or not at all.
    mutating func commit(_ reservation: Reservation, storedBytes: Int64) {
        guard let held = reservations[reservation.id] else { return }
        release(reservation)
        addStored(owner: held.owner, bytes: storedBytes)
    }

    // MARK: What the database holds

    /// Stored files were deleted (or expired and swept).
    mutating func removeStored(owner: String, bytes: Int64) {
        addStored(owner: owner, bytes: -bytes)
    }

    /// Bytes stored per owner, as the database says now.
    mutating func replaceStored(_ snapshot: [String: Int64]) {
        stored = snapshot.filter { $0.value != 0 }
        storedTotal = snapshot.values.reduce(0) { $0.saturatingAdd($1) }
    }

    mutating func setAvailableBytes(_ bytes: Int64, diskFull: Bool = false) {
        availableBytes = bytes
        self.diskFull = diskFull
    }

    // MARK: Arithmetic

    private func refusal(owner: String, adding bytes: Int64, quota: Int64?) -> Refusal? {
        guard bytes > 0 else { return nil }
        if let quota, quota > 0, used(by: owner).saturatingAdd(bytes) > quota {
            return .quota(quota)
        }
        if limits.maxStorage > 0, usedTotal.saturatingAdd(bytes) > limits.maxStorage {
            return .storageLimit(limits.maxStorage)
        }
        return nil
    }

    private mutating func change(_ id: UInt64, by delta: Int64) {
        guard let held = reservations[id] else { return }
        reservations[id] = (held.owner, held.bytes + delta)
        let owner = (reservedByOwner[held.owner] ?? 0) + delta
        reservedByOwner[held.owner] = owner == 0 ? nil : owner
        reservedTotal += delta
    }

    private mutating func addStored(owner: String, bytes: Int64) {
        let value = (stored[owner] ?? 0).saturatingAdd(bytes)
        stored[owner] = value == 0 ? nil : value
        storedTotal = storedTotal.saturatingAdd(bytes)
    }
}

extension Int64 {
    /// `self + other`, held at the bounds instead of overflowing.
    func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }
}
