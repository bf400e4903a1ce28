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
                "APP_RESUMABLE_TTL",
            ])
    }

    @Test(arguments: [
        (ServerConfiguration.Setting.port, "70000"), (.port, "-1"), (.port, "http"), (.tokenTTL, "abc"),
        (.tokenTTL, "0"), (.maxUploadSize, "-5"), (.maxUploadSize, "1e9"), (.logLevel, "verbose"), (.host, ""),
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

    @Test func theHelpRowsComeFromTheSettingsWithTheirRealDefaults() throws {
        let defaults = try ServerConfiguration.resolve(flags: [:], environment: [:])
        for setting in ServerConfiguration.Setting.allCases {
            #expect(!setting.placeholder.isEmpty && !setting.summary.isEmpty)
            // The default shown is the value a run without flags gets.
            let resolved = try ServerConfiguration.resolve(flags: [setting: setting.defaultText], environment: [:])
            #expect(resolved == defaults, "\(setting.flag) \(setting.defaultText)")
        }
        #expect(ServerConfiguration.Setting.maxUploadSize.defaultText == "4294967295")
    }
}
