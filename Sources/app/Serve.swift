import FileDropAuth
import FileDropServer
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `app serve`: runs the server until SIGTERM or SIGINT, then shuts down gracefully.
enum Serve {
    static func run(flags: [ServerConfiguration.Setting: String]) -> Never {
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.resolve(flags: flags, environment: Environment.all())
        } catch {
            Terminal.fail(error.description)
        }

        let (level, format) = (configuration.logLevel, configuration.logFormat)
        LoggingSystem.bootstrap { label in LogLineHandler(label: label, level: level, format: format) }
        let logger = Logger(label: "filedrop")

        let key: [UInt8]
        do {
            let loaded = try SecretKeyFile.loadOrCreate(path: configuration.secretKeyFile)
            key = loaded.key
            if loaded.created {
                logger.info("created secret key file \(configuration.secretKeyFile) (mode 0600)")
            }
        } catch {
            Terminal.fail(error.message)
        }

        // Every thread created from here on inherits this mask; the main thread takes the
        // signals with sigwait, so no signal handler ever runs on the event loop.
        Signals.blockTermination()

        let server: Server
        do {
            server = try Server(configuration: configuration, key: key, logger: logger)
        } catch {
            Terminal.fail("cannot open database \(configuration.databasePath): \(error)")
        }
        do {
            if let password = try server.createFirstUserIfNone(name: "admin") {
                Terminal.printError("Created user 'admin' with password: \(password)")
                Terminal.printError("Change it with: app user passwd admin")
            }
        } catch {
            server.shutdown(grace: .seconds(0))
            Terminal.fail("cannot create the first user in \(configuration.databasePath): \(error)")
        }
        do {
            try server.start()
        } catch {
            server.shutdown(grace: .seconds(0))
            Terminal.fail("cannot listen on \(configuration.host):\(configuration.port): \(error)")
        }

        let signal = Signals.waitForTermination()
        logger.info("received \(signal == SIGINT ? "SIGINT" : "SIGTERM")")
        server.shutdown()
        exit(0)
    }
}
