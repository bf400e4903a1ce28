import CMalloc
import FileDropAuth
import FileDropServer
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `app serve`: runs the server until SIGTERM or SIGINT, then shuts down gracefully.
///
/// Start-up creates nothing on disk until the configuration is known to be good (SPEC
/// "Configuration"): the settings, the listening address (resolved and bound once, then
/// released) and the database's folder are checked first. Should a later step still fail (the
/// port taken in the moment between), what this start created is removed again. Every
/// failure is one `app: error: ...` line and a non-zero exit.
enum Serve {
    static func run(flags: [ServerConfiguration.Setting: String]) -> Never {
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.resolve(flags: flags, environment: Environment.all())
        } catch {
            Terminal.fail(error.description)
        }
        do {
            try ListenAddress.check(host: configuration.host, port: configuration.port)
        } catch {
            Terminal.fail(error.description)
        }
        if let problem = DatabaseLocation.problem(configuration.databasePath) {
            Terminal.fail(problem)
        }
        var created = CreatedFiles(configuration: configuration)

        // Blocks under 4 MiB (upload chunk buffers, download chunks: 1 MiB) come from the heap
        // and are reused once freed; larger ones (scrypt's 32 MiB) get mappings of their own,
        // given back at once. With a threshold below 1 MiB each chunk buffer got a mapping of
        // its own, made and unmapped for every chunk: a quarter to a third
        // of a download's time went to page faults and zeroing fresh pages (measured: 1 GiB
        // downloads 0.6-0.8 GB/s with a 128 KiB threshold, 1.7-2.0 GB/s with this; uploads
        // 300 -> 345-490 MB/s). The price is memory the heap keeps after a crowd: 200 slow
        // parallel uploads peaked at 103-104 MiB resident against 94 MiB.
        mallopt(M_MMAP_THRESHOLD, 4 << 20)
        // And the heap is not cut back for less than 4 MiB free at its top: at glibc's default
        // (128 KiB, which setting the threshold above also freezes) a chunk buffer freed at the
        // top of the storage thread's heap was given back to the kernel and faulted in again,
        // zeroed, for the next chunk. Measured on a 1 GiB upload after a burst of small ones:
        // 568,000 page faults and 359-373 MB/s against 1,700 and 502-525 MB/s. The price: up to
        // 4 MiB kept per thread's heap; 200 slow parallel uploads peak at 109-112 MiB, not 104.
        mallopt(M_TRIM_THRESHOLD, 4 << 20)

        let (level, format) = (configuration.logLevel, configuration.logFormat)
        LoggingSystem.bootstrap { label in LogLineHandler(label: label, level: level, format: format) }
        let logger = Logger(label: "filedrop")

        let key: [UInt8]
        let keyCreated: Bool
        do {
            (key, keyCreated) = try SecretKeyFile.loadOrCreate(path: configuration.secretKeyFile)
        } catch {
            Terminal.fail(error.message)
        }
        created.key = keyCreated

        // Every thread created from here on inherits this mask; the main thread takes the
        // signals with sigwait, so no signal handler ever runs on the event loop.
        Signals.blockTermination()

        let server: Server
        do {
            server = try Server(configuration: configuration, key: key, logger: logger)
        } catch {
            created.remove()
            Terminal.fail("cannot open database \(configuration.databasePath): \(error)")
        }
        do {
            if let password = try server.createFirstUserIfNone(name: "admin") {
                Terminal.printError("Created user 'admin' with password: \(password)")
                Terminal.printError("Change it with: app user passwd admin")
            }
        } catch {
            server.abandonStart()
            created.remove()
            Terminal.fail("cannot create the first user in \(configuration.databasePath): \(error)")
        }
        if keyCreated {
            logger.info("created secret key file \(configuration.secretKeyFile) (mode 0600)")
        }
        do {
            try server.start()
        } catch {
            server.abandonStart()
            created.remove()
            Terminal.fail(ListenAddress.failure(host: configuration.host, port: configuration.port, error: error).description)
        }

        let signal = Signals.waitForTermination()
        logger.info("received \(signal == SIGINT ? "SIGINT" : "SIGTERM")")
        server.shutdown()
        exit(0)
    }
}

/// The database's place on disk, checked before anything is created.
enum DatabaseLocation {
    /// Why the database cannot be opened or created at `path`; nil when it can.
    static func problem(_ path: String) -> String? {
        if access(path, F_OK) == 0 {
            return access(path, R_OK | W_OK) == 0 ? nil : "cannot open database \(path): \(reason(errno))"
        }
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        guard access(folder, W_OK | X_OK) == 0 else {
            return "cannot create database \(path): folder \(folder): \(reason(errno))"
        }
        return nil
    }

    private static func reason(_ code: Int32) -> String {
        strerror(code).map { String(cString: $0).lowercased() } ?? "error \(code)"
    }
}

/// What this start created, to be removed again if the start fails after creating it.
struct CreatedFiles {
    let databasePath: String
    let keyPath: String
    let databaseExisted: Bool
    var key = false

    init(configuration: ServerConfiguration) {
        databasePath = configuration.databasePath
        keyPath = configuration.secretKeyFile
        databaseExisted = access(configuration.databasePath, F_OK) == 0
    }

    func remove() {
        if key { unlink(keyPath) }
        if !databaseExisted {
            for suffix in ["", "-wal", "-shm"] { unlink(databasePath + suffix) }
        }
    }
}
