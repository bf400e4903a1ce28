import FileDropAuth
import FileDropServer
import FileDropStorage

#if canImport(Glibc)
import Glibc
#endif

/// `app backup` and `app check`: the operator's commands, safe while the server runs.
enum OperationsCommands {
    static func backup(to destination: String, force: Bool, database: String?) -> Never {
        let (storage, path) = CommandDatabase.open(database, mustExist: true)
        let started = ContinuousClock.now
        do {
            let result = try DatabaseBackup.copy(from: storage, to: destination, replace: force)
            storage.close()
            let megabytes = Double(result.bytes) / 1_048_576
            Terminal.printError(
                "backed up \(path) to \(destination): \(String(format1: megabytes)) MiB, integrity_check ok, in \(seconds(since: started)) s"
            )
            exit(0)
        } catch {
            storage.close()
            Terminal.fail("backup failed: \(error)")
        }
    }

    static func check(database: String?) -> Never {
        let (storage, path) = CommandDatabase.open(database, mustExist: true)
        defer { storage.close() }
        let started = ContinuousClock.now
        var damaged = 0
        do {
            let verdict = try storage.integrityCheck()
            if verdict != ["ok"] {
                damaged += 1
                for line in verdict.prefix(100) { print("integrity_check: \(printable(line))") }
            }
            var (after, files, bytes): (Int64, Int, Int64) = (0, 0, 0)
            while true {
                let batch = try storage.storedFiles(after: after, limit: 100)
                guard let last = batch.last else { break }
                for record in batch {
                    if let problem = try problem(with: record, in: storage) {
                        damaged += 1
                        print("damaged: file \(record.id) (\(printable(record.filename))): \(problem)")
                    }
                    files += 1
                    bytes += record.size
                }
                after = last.id
            }
            let gibibytes = Double(bytes) / 1_073_741_824
            Terminal.printError(
                "checked \(path): integrity_check \(verdict == ["ok"] ? "ok" : "FAILED"), \(files) files, "
                    + "\(String(format1: gibibytes * 1024)) MiB re-read in \(seconds(since: started)) s; \(damaged == 0 ? "no damage" : "\(damaged) problem(s)")"
            )
        } catch {
            Terminal.fail("check failed: \(error)")
        }
        exit(damaged == 0 ? 0 : 1)
    }

    /// Re-reads one file in one read transaction; what is wrong with it, or nil.
    private static func problem(with listed: FileRecord, in storage: Storage) throws -> String? {
        var digest = SHA256Digest()
        var size: Int64 = 0
        var expectedSequence: Int64 = 0
        var gap = false
        let record = try storage.readContent(of: listed.id) { sequence, bytes in
            if sequence != expectedSequence { gap = true }
            expectedSequence = sequence + 1
            digest.update(bytes)
            size += Int64(bytes.count)
        }
        guard let record else { return nil }  // deleted since it was listed
        if gap { return "chunks missing" }
        if size != record.size { return "size \(size), expected \(record.size)" }
        let sha256 = Crypto.hex(digest.finalize())
        return sha256 == record.sha256 ? nil : "SHA-256 \(sha256), expected \(record.sha256)"
    }

    /// A file name for one output line: control characters shown as `?`.
    private static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }

    private static func seconds(since start: ContinuousClock.Instant) -> String {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return String(format1: Double(seconds) + Double(attoseconds) / 1e18)
    }
}

extension String {
    /// A number with one decimal: 12.3.
    fileprivate init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
