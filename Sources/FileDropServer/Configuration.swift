import Logging

/// The server's settings, resolved per SPEC "Configuration": flags override environment
/// variables, which override defaults. Every value is checked here, so that a bad one stops
/// start-up with one line naming the setting, before anything is opened or created.
public struct ServerConfiguration: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 5000
    public var databasePath = "./app.db"
    public var secretKeyFile = "./secret.key"
    /// Token lifetime in seconds.
    public var tokenTTL: Int64 = 1200
    /// The largest file accepted, in bytes.
    public var maxUploadSize: Int64 = 4_294_967_295
    public var logLevel: Logger.Level = .info
    /// Seconds an unfinished resumable upload is kept after its creation or its last stored
    /// bytes; a finished one is answered for as long after its completion.
    public var resumableTTL: Int64 = 86_400
    /// The longest life of a share or drop link, in seconds (30 days).
    public var maxLinkTTL: Int64 = 2_592_000
    /// Open connections at most; a newcomer past it takes the slot of an idle or slow one,
    /// or is closed at once when none can be freed (`ConnectionAdmission`).
    public var maxConnections = 512
    /// Seconds a file uploaded without `expires_in` lives; 0: forever (or `maxFileTTL`).
    public var defaultFileTTL: Int64 = 0
    /// The longest `expires_in` (and `expires_at` from now) accepted, in seconds; 0: no cap.
    public var maxFileTTL: Int64 = 0
    /// Total bytes of stored files; 0: no limit.
    public var maxStorage: Int64 = 0
    /// Free bytes kept on the database's file system: uploads that would go below get 507.
    public var minFreeSpace: Int64 = 268_435_456
    public var logFormat = LogFormat.text
    /// A Bearer token that may read `/metrics` (and nothing else); nil: signed-in users only.
    public var metricsToken: String?
    /// Running under `litestream replicate`: FileDrop never checkpoints (Litestream does).
    public var litestream = false
    /// Reverse proxies whose forwarding headers are believed (`--trusted-proxy`).
    public var trustedProxies: [AddressRange] = []

    /// How stderr lines are written.
    public enum LogFormat: String, Sendable, Equatable {
        case text, json
    }
    /// Open connections from one client address at most. Half the default cap: one host (or
    /// one NAT) cannot take every slot, yet 200 parallel uploads, a benchmark's 64 connections
    /// or a reverse proxy on the same box (all from 127.0.0.1) fit.
    public var maxConnectionsPerAddress = 256
    /// Bytes of request and response data buffered at once, over all connections.
    public var memoryBudget = 64 << 20
    /// Slow-client limits (test-only overrides: `ConnectionLimits.environmentVariable`).
    public var limits = ConnectionLimits()

    public init() {}

    /// One configurable setting: its flag, its environment variable, and what `--help` says
    /// of it. The one list of settings: parsing, the environment and the help text all read it.
    public enum Setting: String, CaseIterable, Sendable {
        case host, port, database
        case secretKeyFile = "secret-key-file"
        case tokenTTL = "token-ttl"
        case maxUploadSize = "max-upload-size"
        case logLevel = "log-level"
        case defaultFileTTL = "default-file-ttl"
        case maxFileTTL = "max-file-ttl"
        case maxStorage = "max-storage"
        case minFreeSpace = "min-free-space"
        case logFormat = "log-format"
        case metricsToken = "metrics-token"
        case litestream
        case maxLinkTTL = "max-link-ttl"
        case trustedProxy = "trusted-proxy"
        case maxConnections = "max-connections"
        case maxConnectionsPerAddress = "max-connections-per-address"
        case memoryBudget = "memory-budget"
        case resumableTTL = "resumable-ttl"

        public var flag: String { "--\(rawValue)" }

        /// A switch takes no value on the command line (`--litestream`); its variable holds
        /// `1`/`true`/`yes` or `0`/`false`/`no`.
        public var isSwitch: Bool { self == .litestream }

        public var environmentVariable: String {
            if self == .trustedProxy { return "APP_TRUSTED_PROXIES" }  // a list, comma-separated
            return "APP_" + String(rawValue.uppercased().map { $0 == "-" ? "_" : $0 })
        }

        /// The flag may be given more than once; its values add up (as a comma-separated list).
        public var isRepeatable: Bool { self == .trustedProxy }

        /// The value's placeholder in the help text (`--port N`).
        public var placeholder: String {
            switch self {
            case .host: "ADDR"
            case .port: "N"
            case .database, .secretKeyFile: "PATH"
            case .tokenTTL, .defaultFileTTL, .maxFileTTL, .maxLinkTTL, .resumableTTL: "SECONDS"
            case .maxUploadSize, .maxStorage, .minFreeSpace: "BYTES"
            case .logLevel: "LEVEL"
            case .logFormat: "FORMAT"
            case .metricsToken: "TOKEN"
            case .litestream: ""
            case .trustedProxy: "CIDR"
            case .maxConnections, .maxConnectionsPerAddress: "N"
            case .memoryBudget: "BYTES"
            }
        }

        /// What the setting does, in a few words.
        public var summary: String {
            switch self {
            case .host: "address to bind"
            case .port: "TCP port, 0 picks a free one"
            case .database: "SQLite file, created on first start"
            case .secretKeyFile: "HMAC key for tokens, created when missing"
            case .tokenTTL: "token lifetime"
            case .maxUploadSize: "largest file accepted"
            case .logLevel: "debug, info, warning or error"
            case .defaultFileTTL: "life of a file uploaded without expires_in, 0 never"
            case .maxFileTTL: "longest expires_in accepted, 0 no cap"
            case .maxStorage: "total bytes of stored files, 0 no limit"
            case .minFreeSpace: "free disk bytes kept, 0 no check"
            case .logFormat: "stderr lines as text or json (one object per line)"
            case .metricsToken: "Bearer token that may read /metrics and nothing else"
            case .litestream: "under litestream replicate: only Litestream checkpoints (see below)"
            case .maxLinkTTL: "longest life of a share or drop link"
            case .trustedProxy: "reverse proxy whose X-Forwarded-For/-Proto are believed; repeatable"
            case .maxConnections: "open connections at most; idle and slow ones make room"
            case .maxConnectionsPerAddress: "open connections from one client address at most"
            case .memoryBudget: "request and response bytes buffered at once"
            case .resumableTTL: "life of an unfinished resumable upload after its last bytes"
            }
        }

        /// The default, as the help text shows it (the same value `ServerConfiguration()` has).
        public var defaultText: String {
            let defaults = ServerConfiguration()
            switch self {
            case .host: return defaults.host
            case .port: return String(defaults.port)
            case .database: return defaults.databasePath
            case .secretKeyFile: return defaults.secretKeyFile
            case .tokenTTL: return String(defaults.tokenTTL)
            case .maxUploadSize: return String(defaults.maxUploadSize)
            case .logLevel: return "\(defaults.logLevel)"
            case .defaultFileTTL: return String(defaults.defaultFileTTL)
            case .maxFileTTL: return String(defaults.maxFileTTL)
            case .maxStorage: return String(defaults.maxStorage)
            case .minFreeSpace: return String(defaults.minFreeSpace)
            case .logFormat: return defaults.logFormat.rawValue
            case .metricsToken: return "unset: signed-in users only"
            case .litestream: return "off"
            case .maxLinkTTL: return String(defaults.maxLinkTTL)
            case .trustedProxy: return "none"
            case .maxConnections: return String(defaults.maxConnections)
            case .maxConnectionsPerAddress: return String(defaults.maxConnectionsPerAddress)
            case .memoryBudget: return String(defaults.memoryBudget)
            case .resumableTTL: return String(defaults.resumableTTL)
            }
        }
    }

    /// Resolves the configuration from flag values (nil when a flag was not given) and the
    /// process environment.
    public static func resolve(
        flags: [Setting: String], environment: [String: String]
    ) throws(ConfigurationError) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        var sources: [Setting: (source: String, value: String)] = [:]
        for setting in Setting.allCases {
            let source: String
            let value: String
            if let flagValue = flags[setting] {
                (source, value) = (setting.flag, flagValue)
            } else if let environmentValue = environment[setting.environmentVariable] {
                (source, value) = (setting.environmentVariable, environmentValue)
            } else {
                continue
            }
            sources[setting] = (source, value)
            do throws(ConfigurationError.Reason) {
                try configuration.apply(setting, value)
            } catch {
                // A secret is not echoed back, not even a malformed one.
                let shown = setting == .metricsToken ? "(hidden)" : value
                throw ConfigurationError(source: source, value: shown, reason: error)
            }
        }
        if configuration.maxFileTTL > 0, configuration.defaultFileTTL > configuration.maxFileTTL,
            let (source, value) = sources[.defaultFileTTL]
        {
            let cap = sources[.maxFileTTL]?.source ?? Setting.maxFileTTL.flag
            throw ConfigurationError(
                source: source, value: value, reason: .init("must not be longer than \(cap) (\(configuration.maxFileTTL))")
            )
        }
        if let text = environment[ConnectionLimits.environmentVariable] {
            do throws(ConfigurationError.Reason) {
                configuration.limits = try ConnectionLimits.parse(text)
            } catch {
                throw ConfigurationError(source: ConnectionLimits.environmentVariable, value: text, reason: error)
            }
        }
        return configuration
    }

    private mutating func apply(_ setting: Setting, _ value: String) throws(ConfigurationError.Reason) {
        switch setting {
        case .host:
            guard !value.isEmpty, !value.contains(where: { $0.isWhitespace }) else {
                throw .init("must be an IP address or host name")
            }
            host = value
        case .port:
            guard let port = Int(value), (0...65_535).contains(port) else {
                throw .init("must be an integer from 0 to 65535")
            }
            self.port = port
        case .database:
            guard !value.isEmpty else { throw .init("must be a file path") }
            databasePath = value
        case .secretKeyFile:
            guard !value.isEmpty else { throw .init("must be a file path") }
            secretKeyFile = value
        case .tokenTTL:
            guard let seconds = Int64(value), (1...31_536_000).contains(seconds) else {
                throw .init("must be a whole number of seconds from 1 to 31536000")
            }
            tokenTTL = seconds
        case .maxUploadSize:
            guard let bytes = Int64(value), bytes >= 0 else {
                throw .init("must be a whole number of bytes, 0 or more")
            }
            maxUploadSize = bytes
        case .defaultFileTTL, .maxFileTTL:
            guard let seconds = Int64(value), (0...FileLifetime.longest).contains(seconds) else {
                throw .init("must be a whole number of seconds from 0 to \(FileLifetime.longest)")
            }
            if setting == .defaultFileTTL { defaultFileTTL = seconds } else { maxFileTTL = seconds }
        case .maxStorage, .minFreeSpace:
            guard let bytes = Int64(value), bytes >= 0 else {
                throw .init("must be a whole number of bytes, 0 or more")
            }
            if setting == .maxStorage { maxStorage = bytes } else { minFreeSpace = bytes }
        case .resumableTTL:
            guard let seconds = Int64(value), (1...31_536_000).contains(seconds) else {
                throw .init("must be a whole number of seconds from 1 to 31536000")
            }
            resumableTTL = seconds
        case .logLevel:
            let levels: [String: Logger.Level] = ["debug": .debug, "info": .info, "warning": .warning, "error": .error]
            guard let level = levels[value.lowercased()] else {
                throw .init("must be one of debug, info, warning, error")
            }
            logLevel = level
        case .logFormat:
            guard let format = LogFormat(rawValue: value.lowercased()) else { throw .init("must be text or json") }
            logFormat = format
        case .metricsToken:
            // It opens /metrics to anyone who has it: no guessable token.
            guard value.utf8.count >= 16, value.utf8.count <= 512, value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw .init("must be 16 to 512 visible ASCII characters")
            }
            metricsToken = value
        case .litestream:
            switch value.lowercased() {
            case "1", "true", "yes", "on": litestream = true
            case "0", "false", "no", "off": litestream = false
            default: throw .init("must be 1 or 0 (true or false)")
            }
        case .maxLinkTTL:
            guard let seconds = Int64(value), (1...315_360_000).contains(seconds) else {
                throw .init("must be a whole number of seconds from 1 to 315360000 (ten years)")
            }
            maxLinkTTL = seconds
        case .trustedProxy:
            // `none` (or nothing, as an empty environment variable) trusts no proxy.
            guard value.trimmed != "none" && !value.trimmed.isEmpty else {
                trustedProxies = []
                return
            }
            var ranges: [AddressRange] = []
            for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                let text = String(item.trimmed)
                guard !text.isEmpty else { throw .init("an empty item; give CIDR ranges or addresses, separated by commas") }
                do {
                    ranges.append(try AddressRange(parsing: text))
                } catch {
                    throw .init(error.description)
                }
            }
            trustedProxies = ranges
        case .maxConnections:
            guard let count = Int(value), (1...1_000_000).contains(count) else {
                throw .init("must be a whole number from 1 to 1000000")
            }
            maxConnections = count
        case .maxConnectionsPerAddress:
            guard let count = Int(value), (1...1_000_000).contains(count) else {
                throw .init("must be a whole number from 1 to 1000000")
            }
            maxConnectionsPerAddress = count
        case .memoryBudget:
            // At least 4 MiB: a few chunk buffers (1 MiB each) must fit for uploads to move.
            guard let bytes = Int(value), bytes >= 4 << 20 else {
                throw .init("must be a whole number of bytes, 4194304 (4 MiB) or more")
            }
            memoryBudget = bytes
        }
    }
}

/// A setting with a value that cannot be used; `description` is the one line to print.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    public struct Reason: Error, Equatable, Sendable {
        public var text: String
        init(_ text: String) { self.text = text }
    }

    /// The flag (`--port`) or environment variable (`APP_PORT`) the value came from.
    public var source: String
    public var value: String
    public var reason: Reason

    public var description: String {
        "invalid value '\(value)' for \(source): \(reason.text)"
    }
}
