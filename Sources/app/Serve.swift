import ArgumentParser
import FileDropAuth
import FileDropServer
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `app serve`: runs the server until SIGTERM or SIGINT.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the web page and the API (the default command).",
        discussion: "Each option can also be set by its environment variable (APP_HOST, APP_PORT, APP_DATABASE, APP_SECRET_KEY_FILE, APP_TOKEN_TTL, APP_MAX_UPLOAD_SIZE, APP_LOG_LEVEL); flags win."
    )

    @Option(help: "Address to bind (default 127.0.0.1).") var host: String?
    @Option(help: "TCP port; 0 picks a free one (default 5000).") var port: String?
    @Option(help: "SQLite file, created on first start (default ./app.db).") var database: String?
    @Option(help: "HMAC key file for tokens, created when missing (default ./secret.key).") var secretKeyFile: String?
    @Option(help: "Token lifetime in seconds (default 1200).") var tokenTTL: String?
    @Option(help: "Largest file accepted, in bytes (default 4294967295).") var maxUploadSize: String?
    @Option(help: "debug, info, warning or error (default info).") var logLevel: String?

    func run() throws {
        let flags: [ServerConfiguration.Setting: String?] = [
            .host: host, .port: port, .database: database, .secretKeyFile: secretKeyFile,
            .tokenTTL: tokenTTL, .maxUploadSize: maxUploadSize, .logLevel: logLevel,
        ]
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.resolve(flags: flags.compactMapValues { $0 }, environment: Environment.all())
        } catch {
            Terminal.fail(error.description)
        }

        var level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        level = configuration.logLevel
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
        // signals with sigwait, so no handler ever runs on the event loop.
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
            try server.start()
        } catch {
            server.shutdown(grace: .seconds(0))
            Terminal.fail("cannot start on \(configuration.host):\(configuration.port): \(error)")
        }

        let signal = Signals.waitForTermination()
        logger.info("received \(signal == SIGINT ? "SIGINT" : "SIGTERM")")
        server.shutdown()
    }
}
