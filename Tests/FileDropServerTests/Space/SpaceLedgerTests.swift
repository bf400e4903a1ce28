import Testing

@testable import FileDropServer

/// Quota arithmetic: what one more upload may reserve, with stored bytes, other uploads in
/// flight, the storage limit and the free-space reserve.
@Suite struct SpaceLedgerTests {
    private func ledger(maxStorage: Int64 = 0, minFreeSpace: Int64 = 0, stored: [String: Int64] = [:]) -> SpaceLedger {
        var ledger = SpaceLedger(limits: .init(maxStorage: maxStorage, minFreeSpace: minFreeSpace))
        ledger.replaceStored(stored)
        return ledger
    }

    @Test func reachingAQuotaExactlyIsAllowedPassingItIsNot() throws {
        var ledger = ledger(stored: ["ann": 60])
        #expect(ledger.reserve(owner: "ann", bytes: 41, quota: 100) == .failure(.quota(100)))
        let exact = try ledger.reserve(owner: "ann", bytes: 40, quota: 100).get()
        #expect(ledger.used(by: "ann") == 100)
        #expect(ledger.reserve(owner: "ann", bytes: 1, quota: 100) == .failure(.quota(100)))
        // Nothing reserved is fine at the quota, too (an upload of unknown length starts at 0).
        #expect((try? ledger.reserve(owner: "ann", bytes: 0, quota: 100).get()) != nil)
        ledger.release(exact)
        #expect(ledger.used(by: "ann") == 60)
    }

    @Test func concurrentUploadsCannotJointlyPassAQuota() throws {
        var ledger = ledger()
        let first = try ledger.reserve(owner: "ann", bytes: 0, quota: 100).get()
        let second = try ledger.reserve(owner: "ann", bytes: 0, quota: 100).get()
        #expect(ledger.grow(first, to: 70, quota: 100) == nil)
        #expect(ledger.grow(second, to: 30, quota: 100) == nil)
        #expect(ledger.grow(second, to: 31, quota: 100) == .quota(100))
        #expect(ledger.used(by: "ann") == 100)  // the refused growth took nothing
        // Growing to less than held takes nothing back.
        #expect(ledger.grow(first, to: 10, quota: 100) == nil)
        #expect(ledger.used(by: "ann") == 100)
    }

    @Test func aCommitMovesBytesFromReservedToStored() throws {
        var ledger = ledger(maxStorage: 1000)
        let upload = try ledger.reserve(owner: "ann", bytes: 50, quota: nil).get()
        #expect(ledger.grow(upload, to: 80, quota: nil) == nil)
        ledger.commit(upload, storedBytes: 80)
        #expect(ledger.stored == ["ann": 80] && ledger.reservedTotal == 0 && ledger.usedTotal == 80)
        ledger.commit(upload, storedBytes: 80)  // a second commit of the same upload counts nothing
        ledger.release(upload)
        #expect(ledger.usedTotal == 80)
        ledger.removeStored(owner: "ann", bytes: 80)
        #expect(ledger.stored.isEmpty && ledger.usedTotal == 0)
    }

    @Test func theStorageLimitCountsEveryone() throws {
        var ledger = ledger(maxStorage: 100, stored: ["ann": 50, "bob": 30])
        #expect(ledger.reserve(owner: "cy", bytes: 21, quota: nil) == .failure(.storageLimit(100)))
        let last = try ledger.reserve(owner: "cy", bytes: 20, quota: nil).get()
        #expect(ledger.grow(last, to: 21, quota: nil) == .storageLimit(100))
        // The user's own quota is checked first.
        #expect(ledger.reserve(owner: "ann", bytes: 30, quota: 60) == .failure(.quota(60)))
    }

    @Test func quotasOfOthersAndZeroQuotasDoNotCount() throws {
        var ledger = ledger(stored: ["ann": 1000])
        #expect((try? ledger.reserve(owner: "bob", bytes: 900, quota: 1000).get()) != nil)
        #expect((try? ledger.reserve(owner: "ann", bytes: 5000, quota: 0).get()) != nil)
        #expect((try? ledger.reserve(owner: "ann", bytes: 5000, quota: nil).get()) != nil)
    }

    @Test func theFreeSpaceReserveIsCheckedWhenTheLengthIsKnown() throws {
        var ledger = ledger(minFreeSpace: 100)
        // Before the first look at the disk there is nothing to check against.
        #expect((try? ledger.reserve(owner: "ann", bytes: 1 << 40, quota: nil).get()) != nil)
        ledger.setAvailableBytes(1000)
        #expect((try? ledger.reserve(owner: "ann", bytes: 900, quota: nil).get()) != nil)
        #expect(ledger.reserve(owner: "ann", bytes: 901, quota: nil) == .failure(.freeSpace))
        ledger.setAvailableBytes(99)
        #expect(ledger.reserve(owner: "ann", bytes: 0, quota: nil) == .failure(.freeSpace))
        var unchecked = self.ledger(minFreeSpace: 0)
        unchecked.setAvailableBytes(0)
        #expect((try? unchecked.reserve(owner: "ann", bytes: 10, quota: nil).get()) != nil)
    }

    @Test func sumsSaturateInsteadOfOverflowing() throws {
        var ledger = ledger(maxStorage: .max - 1, stored: ["ann": .max - 1])
        #expect(ledger.reserve(owner: "ann", bytes: 10, quota: .max - 1) == .failure(.quota(.max - 1)))
        #expect(ledger.reserve(owner: "bob", bytes: .max, quota: nil) == .failure(.storageLimit(.max - 1)))
        #expect(Int64.max.saturatingAdd(1) == .max && Int64.min.saturatingAdd(-1) == .min)
        #expect(ledger.reserve(owner: "ann", bytes: -5, quota: .max) != .failure(.quota(.max)))
    }

    @Test func refusalsSayWhichLimit() {
        #expect(SpaceLedger.Refusal.quota(1_000_000).message == "This upload would pass your storage quota of 1000000 bytes (1.0 MB)")
        #expect(SpaceLedger.Refusal.storageLimit(5).message == "This upload would pass the server's storage limit of 5 bytes (5 B)")
        #expect(SpaceLedger.Refusal.freeSpace.message.contains("free space"))
    }
}
