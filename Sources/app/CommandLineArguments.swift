import FileDropServer

/// The command line, per SPEC "Command line":
///
///     app [serve] [--host ADDR] [--port N] [--database PATH] [--secret-key-file PATH]
///                 [--token-ttl SECONDS] [--max-upload-size BYTES] [--log-level LEVEL] ...
///     app user passwd NAME [--password-stdin] [--database PATH]
///     app user add NAME [--password-stdin] [--quota BYTES] [--database PATH]
///     app user remove NAME [--database PATH]
///     app user list [--database PATH]
///     app user quota NAME BYTES [--database PATH]
///     app backup PATH [--force] [--database PATH]
///     app check [--database PATH]
///     app --help | --version
///
/// Options take their value as the next argument or after `=`. Parsing only: nothing here
/// touches a file.
enum CommandLineArguments {
    enum UserCommand: String {
        case add, passwd, remove, list, quota
    }

    /// An `app user` command and its arguments.
    struct UserArguments: Equatable {
        var command: UserCommand
        var name: String?
        var passwordFromStandardInput = false
        var database: String?
        /// `--quota BYTES` of `add`, or the BYTES of `quota` (0: no quota).
        var quota: Int64?
    }

    enum Command: Equatable {
        case serve([ServerConfiguration.Setting: String])
        case user(UserArguments)
        case backup(destination: String, force: Bool, database: String?)
        case check(database: String?)
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
        case "backup", "check":
            let command = arguments.removeFirst()
            return parseOperation(command, arguments)
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
            if setting.isSwitch {
                flags[setting] = inlineValue ?? "1"
                continue
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
        guard let word = reader.next() else {
            return .failure(UsageError(message: "'app user' needs add, passwd, remove, list or quota"))
        }
        if word == "--help" || word == "-h" { return .success(.help(HelpText.user)) }
        guard let command = UserCommand(rawValue: word) else {
            return .failure(UsageError(message: "unknown user command '\(word)' (add, passwd, remove, list, quota)"))
        }
        var user = UserArguments(command: command)
        var quotaText: String?
        while let argument = reader.next() {
            if argument == "--help" || argument == "-h" { return .success(.help(HelpText.user)) }
            if argument == "--password-stdin", command == .add || command == .passwd {
                user.passwordFromStandardInput = true
            } else if let (flag, inlineValue) = splitOption(argument), flag == "--database" || (flag == "--quota" && command == .add) {
                guard let value = inlineValue ?? reader.next() else {
                    return .failure(UsageError(message: "\(flag) needs a value"))
                }
                if flag == "--database" { user.database = value } else { quotaText = value }
            } else if argument == "--" {
                continue
            } else if !argument.hasPrefix("--"), user.name == nil, command != .list {
                user.name = argument
            } else if !argument.hasPrefix("--"), command == .quota, quotaText == nil {
                quotaText = argument
            } else {
                return .failure(UsageError(message: "unknown argument '\(argument)' for 'app user \(command.rawValue)'"))
            }
        }
        if command != .list && user.name == nil {
            return .failure(UsageError(message: "'app user \(command.rawValue)' needs a user name"))
        }
        if command == .quota && quotaText == nil {
            return .failure(UsageError(message: "'app user quota' needs a number of bytes (0 removes the quota)"))
        }
        if let quotaText {
            guard let bytes = Int64(quotaText), bytes >= 0 else {
                return .failure(UsageError(message: "invalid quota '\(quotaText)': must be a whole number of bytes, 0 or more"))
            }
            user.quota = bytes
        }
        return .success(.user(user))
    }

    /// `backup PATH [--force]` and `check`, both with `--database`.
    private static func parseOperation(_ command: String, _ arguments: ArraySlice<String>) -> Result<Command, UsageError> {
        var reader = Reader(arguments)
        var destination: String?
        var force = false
        var database: String?
        while let argument = reader.next() {
            if argument == "--help" || argument == "-h" { return .success(.help(HelpText.operations)) }
            if argument == "--force", command == "backup" {
                force = true
            } else if let (flag, inlineValue) = splitOption(argument), flag == "--database" {
                guard let value = inlineValue ?? reader.next(), !value.isEmpty else {
                    return .failure(UsageError(message: "--database needs a value"))
                }
                database = value
            } else if argument.hasPrefix("-") || destination != nil || command == "check" {
                return .failure(UsageError(message: "unknown argument '\(argument)' for 'app \(command)'"))
            } else {
                destination = argument
            }
        }
        guard command == "backup" else { return .success(.check(database: database)) }
        guard let destination, !destination.isEmpty else {
            return .failure(UsageError(message: "'app backup' needs the path of the copy to write"))
        }
        return .success(.backup(destination: destination, force: force, database: database))
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
          app user add NAME [--password-stdin] [--quota BYTES]
                                                      create a user (prompts without echo)
          app user passwd NAME [--password-stdin]     set a user's password; its tokens stop working
          app user remove NAME                        remove a user; its tokens stop working
          app user list                               one user per line, name first
          app user quota NAME BYTES                   bytes the user's files may take; 0 removes it
          app backup PATH [--force]                   consistent online copy of the database
          app check                                   integrity check and SHA-256 re-read of every file
          app --help | --version

        \(serveOptions)

        The user, backup and check commands take --database (or APP_DATABASE) too.
        Under --litestream Litestream alone checkpoints: SIGTERM then leaves the -wal file
        as it is (not emptied), for Litestream to ship and checkpoint.
        """

    static let operations = """
        Usage:
          app backup PATH [--force] [--database PATH]
          app check [--database PATH]

        backup writes a consistent copy of the database to PATH while the server may run
        (SQLite's online backup API, one read snapshot): one self-contained file (no -wal
        beside it), mode 0600, checked with integrity_check before it gets its name. An
        existing PATH is only replaced with --force.

        check runs SQLite's integrity_check, then re-reads every stored file and compares
        its SHA-256 and size with its record, one file at a time, also while the server
        runs. Each damaged file is one line naming its id and file name; the exit status
        is 1 when anything is damaged, 0 otherwise.
        """

    static let serve = """
        Usage: app [serve] [options]

        \(serveOptions)
        """

    static let user = """
        Usage:
          app user add NAME [--password-stdin] [--quota BYTES] [--database PATH]
          app user passwd NAME [--password-stdin] [--database PATH]
          app user remove NAME [--database PATH]
          app user list [--database PATH]
          app user quota NAME BYTES [--database PATH]

        Without --password-stdin the password is asked twice on the terminal, without echo.
        With it, one line of standard input is the password. User names: 1-64 characters,
        no ':' and no control characters. A quota counts the bytes of the user's stored files
        and unfinished uploads; uploads past it get 507; 0 removes it. A running server sees
        every change within a second.
        """

    /// One row per setting, in columns: flag and placeholder, variable, summary (default).
    static let serveOptions: String = {
        let settings = ServerConfiguration.Setting.allCases
        let flags = settings.map { $0.isSwitch ? $0.flag : "\($0.flag) \($0.placeholder)" }
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
