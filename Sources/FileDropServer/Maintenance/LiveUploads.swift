/// The ids of the incomplete file rows that uploads in this process are writing right now,
/// so that the periodic sweep of incomplete rows leaves them alone. Also what `/metrics`
/// reports as uploads in progress. Lives on the event loop.
final class LiveUploads {
    private(set) var ids: Set<Int64> = []

    func insert(_ id: Int64) { ids.insert(id) }
    func remove(_ id: Int64) { ids.remove(id) }
    var count: Int { ids.count }
}

@available(*, unavailable)
extension LiveUploads: Sendable {}
