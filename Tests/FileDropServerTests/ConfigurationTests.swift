import Logging
import Testing

@testable import FileDropServer

@Suite struct ConfigurationTests {
    @Test func defaultsMatchTheSpec() throws {
        let configuration = try ServerConfiguration.resolve(flags: [:], environment: [:])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 5000)
        #expect(configuration.databasePath == "./app.db")
        #expect(configuration.secretKeyFile == "./secret.key")
        #expect(configuration.tokenTTL == 1200)
        #expect(configuration.maxUploadSize == 4_294_967_295)
        #expect(configuration.logLevel == .info)
        #expect(configuration.maxLinkTTL == 2_592_000)
        #expect(configuration.maxConnections == 512)
        #expect(configuration.memoryBudget == 64 << 20)
        #expect(configuration.limits == ConnectionLimits())
    }

    @Test func testLimitsComeFromTheirEnvironmentVariable() throws {
        let environment = ["FILEDROP_TEST_LIMITS": "write-idle=2, body-idle=0.5,discard-bytes=1000,body-min-rate=10"]
        let limits = try ServerConfiguration.resolve(flags: [:], environment: environment).limits
        #expect(limits.writeIdle == .seconds(2))
        #expect(limits.bodyIdle == .milliseconds(500))
        #expect(limits.discardBytes == 1000)
        #expect(limits.bodyMinimumRate == 10)
        #expect(limits.head == .seconds(10))
        for bad in ["write-idle", "write-idle=0", "nap=3", "head=-1"] {
            #expect(throws: ConfigurationError.self) {
                _ = try ServerConfiguration.resolve(flags: [:], environment: ["FILEDROP_TEST_LIMITS": bad])
            }
        }
    }

    @Test func flagsOverrideEnvironmentWhichOverridesDefaults() throws {
        let environment = ["APP_PORT": "6000", "APP_HOST": "0.0.0.0", "APP_TOKEN_TTL": "60", "APP_LOG_LEVEL": "debug"]
        let fromEnvironment = try ServerConfiguration.resolve(flags: [:], environment: environment)
        #expect(fromEnvironment.port == 6000)
        #expect(fromEnvironment.host == "0.0.0.0")
        #expect(fromEnvironment.tokenTTL == 60)
        #expect(fromEnvironment.logLevel == .debug)
        let withFlags = try ServerConfiguration.resolve(flags: [.port: "7000", .logLevel: "error"], environment: environment)
        #expect(withFlags.port == 7000)
        #expect(withFlags.host == "0.0.0.0")
        #expect(withFlags.logLevel == .error)
    }

    @Test func everySettingHasItsEnvironmentVariable() {
        let names = ServerConfiguration.Setting.allCases.map(\.environmentVariable)
        #expect(
            names == [
                "APP_HOST", "APP_PORT", "APP_DATABASE", "APP_SECRET_KEY_FILE", "APP_TOKEN_TTL", "APP_MAX_UPLOAD_SIZE", "APP_LOG_LEVEL",
                "APP_DEFAULT_FILE_TTL", "APP_MAX_FILE_TTL", "APP_MAX_STORAGE", "APP_MIN_FREE_SPACE",
                "APP_LOG_FORMAT", "APP_METRICS_TOKEN", "APP_LITESTREAM",
                "APP_MAX_LINK_TTL",
                "APP_TRUSTED_PROXIES",
                "APP_MAX_CONNECTIONS", "APP_MAX_CONNECTIONS_PER_ADDRESS", "APP_MEMORY_BUDGET",
                "APP_RESUMABLE_TTL",
            ])
    }

    @Test(arguments: [
        (ServerConfiguration.Setting.port, "70000"), (.port, "-1"), (.port, "http"), (.tokenTTL, "abc"),
        (.tokenTTL, "0"), (.maxUploadSize, "-5"), (.maxUploadSize, "1e9"), (.logLevel, "verbose"), (.host, ""),
        (.defaultFileTTL, "-1"), (.defaultFileTTL, "1h"), (.maxFileTTL, "3153600001"), (.maxStorage, "-1"),
        (.maxStorage, "10G"), (.minFreeSpace, "lots"),
        (.maxLinkTTL, "0"), (.maxLinkTTL, "-1"), (.maxLinkTTL, "1.5"), (.maxLinkTTL, "315360001"),
        (.trustedProxy, "10.0.0.1/8"), (.trustedProxy, "proxy.example"), (.trustedProxy, "10.0.0.0/8,,::1"),
        (.trustedProxy, "192.168.1.0/33"), (.trustedProxy, "fe80::1%eth0"), (.trustedProxy, "10.0.0.0/8 192.168.0.0/16"),
        (.maxConnections, "0"), (.maxConnectionsPerAddress, "many"), (.memoryBudget, "1024"),
        (.resumableTTL, "0"), (.resumableTTL, "1.5"), (.resumableTTL, "31536001"),
    ])
    func invalidValuesNameTheSettingInOneLine(setting: ServerConfiguration.Setting, value: String) {
        do {
            _ = try ServerConfiguration.resolve(flags: [setting: value], environment: [:])
            Issue.record("accepted \(value) for \(setting)")
        } catch {
            #expect(error.description.contains(setting.flag))
            #expect(error.description.contains(value))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func environmentErrorsNameTheVariable() {
        #expect(throws: ConfigurationError.self) {
            _ = try ServerConfiguration.resolve(flags: [:], environment: ["APP_TOKEN_TTL": "abc"])
        }
        do {
            _ = try ServerConfiguration.resolve(flags: [:], environment: ["APP_TOKEN_TTL": "abc"])
        } catch {
            #expect(error.description == "invalid value 'abc' for APP_TOKEN_TTL: must be a whole number of seconds from 1 to 31536000")
        }
    }

    @Test func trustedProxiesAreAListOfRanges() throws {
        let resolved = try ServerConfiguration.resolve(
            flags: [:], environment: ["APP_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7 ,2001:db8::/32"]
        )
        #expect(resolved.trustedProxies.map(\.description) == ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"])
        // Flags win over the environment as a whole; `none` or nothing trusts no proxy.
        let flagged = try ServerConfiguration.resolve(
            flags: [.trustedProxy: "127.0.0.1"], environment: ["APP_TRUSTED_PROXIES": "10.0.0.0/8"]
        )
        #expect(flagged.trustedProxies.map(\.description) == ["127.0.0.1/32"])
        for nothing in ["none", "", " "] {
            #expect(try ServerConfiguration.resolve(flags: [:], environment: ["APP_TRUSTED_PROXIES": nothing]).trustedProxies == [])
        }
    }

    @Test func aBadRangeIsNamedWithWhatIsWrong() {
        do {
            _ = try ServerConfiguration.resolve(flags: [.trustedProxy: "10.0.0.0/8,10.1.2.3/16"], environment: [:])
            Issue.record("accepted a range with host bits")
        } catch {
            #expect(
                error.description
                    == "invalid value '10.0.0.0/8,10.1.2.3/16' for --trusted-proxy: '10.1.2.3/16' has bits set past the prefix; "
                    + "did you mean 10.1.0.0/16?"
            )
        }
    }

    @Test func theHelpRowsComeFromTheSettingsWithTheirRealDefaults() throws {
        let defaults = try ServerConfiguration.resolve(flags: [:], environment: [:])
        for setting in ServerConfiguration.Setting.allCases {
            #expect(setting.placeholder.isEmpty == setting.isSwitch && !setting.summary.isEmpty)
            guard setting != .metricsToken else { continue }  // unset by default: no value to give
            // The default shown is the value a run without flags gets.
            let resolved = try ServerConfiguration.resolve(flags: [setting: setting.defaultText], environment: [:])
            #expect(resolved == defaults, "\(setting.flag) \(setting.defaultText)")
        }
        #expect(ServerConfiguration.Setting.maxUploadSize.defaultText == "4294967295")
    }

    @Test func lifetimeAndSpaceSettingsAreRead() throws {
        let environment = ["APP_MAX_FILE_TTL": "86400", "APP_MIN_FREE_SPACE": "0"]
        let configuration = try ServerConfiguration.resolve(
            flags: [.defaultFileTTL: "3600", .maxStorage: "1000000"], environment: environment)
        #expect(configuration.defaultFileTTL == 3600 && configuration.maxFileTTL == 86400)
        #expect(configuration.maxStorage == 1_000_000 && configuration.minFreeSpace == 0)
        let defaults = try ServerConfiguration.resolve(flags: [:], environment: [:])
        #expect(defaults.defaultFileTTL == 0 && defaults.maxFileTTL == 0 && defaults.maxStorage == 0)
        #expect(defaults.minFreeSpace == 268_435_456)
    }

    @Test func aDefaultLifetimeLongerThanTheCapIsRefused() {
        do {
            _ = try ServerConfiguration.resolve(flags: [.defaultFileTTL: "7200"], environment: ["APP_MAX_FILE_TTL": "3600"])
            Issue.record("accepted a default past the cap")
        } catch {
            #expect(error.description == "invalid value '7200' for --default-file-ttl: must not be longer than APP_MAX_FILE_TTL (3600)")
        }
        #expect((try? ServerConfiguration.resolve(flags: [.defaultFileTTL: "3600", .maxFileTTL: "3600"], environment: [:])) != nil)
    }

    @Test func operationsSettings() throws {
        let environment = ["APP_LOG_FORMAT": "json", "APP_METRICS_TOKEN": "0123456789abcdef-metrics", "APP_LITESTREAM": "1"]
        let resolved = try ServerConfiguration.resolve(flags: [:], environment: environment)
        #expect(resolved.logFormat == .json && resolved.metricsToken == "0123456789abcdef-metrics" && resolved.litestream)
        #expect(try !ServerConfiguration.resolve(flags: [.litestream: "0"], environment: environment).litestream)
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve(flags: [.logFormat: "xml"], environment: [:]) }
        // A token too short to be a secret is refused, and not echoed back.
        do {
            _ = try ServerConfiguration.resolve(flags: [.metricsToken: "short-secret"], environment: [:])
            Issue.record("accepted a short metrics token")
        } catch {
            #expect(!error.description.contains("short-secret"))
        }
    }
}
