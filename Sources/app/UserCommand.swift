import ArgumentParser
import FileDropAuth
import FileDropServer
import FileDropStorage

/// `app user add|passwd|remove|list`: accounts, changed in the database directly. A running
/// server notices within a second.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage users.",
        subcommands: [Add.self, Passwd.self, Remove.self, List.self]
    )

    struct DatabaseOption: ParsableArguments {
        @Option(help: "SQLite file (default: APP_DATABASE, else ./app.db).") var database: String?

        func open() -> Storage {
            var flags: [ServerConfiguration.Setting: String] = [:]
            flags[.database] = database
            let path: String
            do {
                path = try ServerConfiguration.resolve(flags: flags, environment: Environment.all()).databasePath
            } catch {
                Terminal.fail(error.description)
            }
            do {
                return try Storage(path: path)
            } catch {
                Terminal.fail("cannot open database \(path): \(error)")
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user.")
        @Argument(help: "User name: 1-64 characters, no ':' and no control characters.") var name: String
        @Flag(help: "Read the password from one line of standard input instead of prompting.") var passwordStdin = false
        @OptionGroup var options: DatabaseOption

        func run() throws {
            let name = UserName.validated(name)
            let storage = options.open()
            let password = PasswordInput.read(fromStandardInput: passwordStdin, confirm: true)
            do {
                try storage.users.add(name: name, passwordHash: PasswordHasher().hash(password), now: Clock.unixSeconds())
            } catch UserStoreError.alreadyExists {
                Terminal.fail("user '\(name)' already exists; change its password with: app user passwd \(name)")
            }
            storage.close()
            Terminal.printError("Created user '\(name)'")
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password; the user's tokens stop working.")
        @Argument(help: "User name.") var name: String
        @Flag(help: "Read the password from one line of standard input instead of prompting.") var passwordStdin = false
        @OptionGroup var options: DatabaseOption

        func run() throws {
            let storage = options.open()
            guard try storage.users.user(named: name) != nil else { Terminal.fail("no user '\(name)'") }
            let password = PasswordInput.read(fromStandardInput: passwordStdin, confirm: true)
            try storage.users.setPassword(name: name, passwordHash: PasswordHasher().hash(password), now: Clock.unixSeconds())
            storage.close()
            Terminal.printError("Password of '\(name)' changed; its earlier tokens no longer work")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user; the user's tokens stop working.")
        @Argument(help: "User name.") var name: String
        @OptionGroup var options: DatabaseOption

        func run() throws {
            let storage = options.open()
            do {
                try storage.users.remove(name: name)
            } catch UserStoreError.notFound {
                Terminal.fail("no user '\(name)'")
            }
            storage.close()
            Terminal.printError("Removed user '\(name)'")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users, one per line, name first.")
        @OptionGroup var options: DatabaseOption

        func run() throws {
            let storage = options.open()
            for user in try storage.users.all() {
                print("\(user.name)\tcreated \(RFC3339.format(unixSeconds: user.createdAt))")
            }
            storage.close()
        }
    }
}
