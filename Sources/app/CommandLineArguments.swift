import FileDropServer

/// The command line, per SPEC "Command line":
///
///     app [serve] [--host ADDR] [--port N] [--database PATH] [--secret-key-file PATH]
///                 [--token-ttl SECONDS] [--max-upload-size BYTES] [--log-level LEVEL]
///                 [--trusted-proxy CIDR]...
///     app user add|passwd NAME [--password-stdin] [--database PATH]
///     app user remove NAME [--database PATH]
///     app user list [--database PATH]
///     app --help | --version
///
/// Options take their value as the next argument or after `=`. Parsing only: nothing here
/// touches a file.
enum CommandLineArguments {
    enum UserCommand: String {
        case add, passwd, remove, list
    }

    enum Command: Equatable {
        case serve([ServerConfiguration.Setting: String])
        case user(UserCommand, name: String?, passwordFromStandardInput: Bool, database: String?)
        case help(String)
        case version
    }

    struct UsageError: Error, Equatable {
        let message: String
    }

    static func parse(_ arguments: [String]) -> Result<Command, UsageError> {
        var arguments = arguments[...]
        switch arguments.first {
        case "--help", "-h", "help":
            return .success(.help(HelpText.main))
        case "--version":
            return .success(.version)
        case "user":
            arguments.removeFirst()
            return parseUser(arguments)
        case "serve":
            arguments.removeFirst()
            return parseServe(arguments)
        default:
            return parseServe(arguments)
        }
    }

    private static func parseServe(_ arguments: ArraySlice<String>) -> Result<Command, UsageError> {
        var flags: [ServerConfiguration.Setting: String] = [:]
        var reader = Reader(arguments)
        while let argument = reader.next() {
            if argument == "--help" || argument == "-h" { return .success(.help(HelpText.serve)) }
            guard let (flag, inlineValue) = splitOption(argument),
                let setting = ServerConfiguration.Setting.allCases.first(where: { $0.flag == flag })
            else {
                return .failure(UsageError(message: "unknown argument '\(argument)'"))
            }
            guard let value = inlineValue ?? reader.next() else {
                return .failure(UsageError(message: "\(flag) needs a value"))
            }
            if setting.isRepeatable, let earlier = flags[setting] {
                flags[setting] = earlier + "," + value
            } else {
                flags[setting] = value
            }
        }
        return .success(.serve(flags))
    }

    private static func parseUser(_ arguments: ArraySlice<String>) -> Result<Command, UsageError> {
        var reader = Reader(arguments)
        guard let word = reader.next() else { return .failure(UsageError(message: "'app user' needs add, passwd, remove or list")) }
        if word == "--help" || word == "-h" { return .success(.help(HelpText.user)) }
        guard let command = UserCommand(rawValue: word) else {
            return .failure(UsageError(message: "unknown user command '\(word)' (add, passwd, remove, list)"))
        }
        var name: String?
        var passwordFromStandardInput = false
        var database: String?
        while let argument = reader.next() {
            if argument == "--help" || argument == "-h" { return .success(.help(HelpText.user)) }
            if argument == "--password-stdin", command == .add || command == .passwd {
                passwordFromStandardInput = true
            } else if let (flag, inlineValue) = splitOption(argument), flag == "--database" {
                guard let value = inlineValue ?? reader.next() else {
                    return .failure(UsageError(message: "--database needs a value"))
                }
                database = value
            } else if argument == "--" {
                continue
            } else if argument.hasPrefix("--") || name != nil || command == .list {
                return .failure(UsageError(message: "unknown argument '\(argument)' for 'app user \(command.rawValue)'"))
            } else {
                name = argument
            }
        }
        if command != .list && name == nil {
            return .failure(UsageError(message: "'app user \(command.rawValue)' needs a user name"))
        }
        return .success(.user(command, name: name, passwordFromStandardInput: passwordFromStandardInput, database: database))
    }

    /// `--flag=value` → (`--flag`, `value`); `--flag` → (`--flag`, nil); not an option → nil.
    private static func splitOption(_ argument: String) -> (String, String?)? {
        guard argument.hasPrefix("--") else { return nil }
        guard let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    private struct Reader {
        private var arguments: ArraySlice<String>
        init(_ arguments: ArraySlice<String>) { self.arguments = arguments }
        mutating func next() -> String? { arguments.popFirst() }
    }
}

enum HelpText {
    static let main = """
        FileDrop \(FileDropVersion.current): a single-binary file drop with a web page and an HTTP API.

        Usage:
          app [serve] [options]                       serve (the default command)
          app user add NAME [--password-stdin]        create a user (prompts without echo)
          app user passwd NAME [--password-stdin]     set a user's password; its tokens stop working
          app user remove NAME                        remove a user; its tokens stop working
          app user list                               one user per line, name first
          app --help | --version

        \(serveOptions)

        The user commands take --database (or APP_DATABASE) too.
        """

    static let serve = """
        Usage: app [serve] [options]

        \(serveOptions)
        """

    static let user = """
        Usage:
          app user add NAME [--password-stdin] [--database PATH]
          app user passwd NAME [--password-stdin] [--database PATH]
          app user remove NAME [--database PATH]
          app user list [--database PATH]

        Without --password-stdin the password is asked twice on the terminal, without echo.
        With it, one line of standard input is the password. User names: 1-64 characters,
        no ':' and no control characters. A running server sees the change within a second.
        """

    /// One row per setting, in columns: flag and placeholder, variable, summary (default).
    static let serveOptions: String = {
        let settings = ServerConfiguration.Setting.allCases
        let flags = settings.map { "\($0.flag) \($0.placeholder)" }
        let flagWidth = flags.map(\.count).max()! + 2
        let variableWidth = settings.map(\.environmentVariable.count).max()! + 2
        let rows = zip(settings, flags).map { setting, flag in
            "  " + flag.padded(to: flagWidth) + setting.environmentVariable.padded(to: variableWidth)
                + "\(setting.summary) (\(setting.defaultText))"
        }
        return (["Options (flags override environment variables, which override defaults):"] + rows).joined(separator: "\n")
    }()
}

extension String {
    fileprivate func padded(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }
}
