import FileDropAuth
import FileDropServer
import FileDropStorage

/// `app user add|passwd|remove|list|quota`: accounts, changed in the database directly. A
/// running server notices within a second.
enum UserCommands {
    static func run(_ arguments: CommandLineArguments.UserArguments) {
        let command = arguments.command
        let passwordFromStandardInput = arguments.passwordFromStandardInput
        // A bad name is refused before anything is opened (or created).
        let validName = command == .add ? UserName.validated(arguments.name ?? "") : arguments.name ?? ""
        let storage = CommandDatabase.open(arguments.database).storage
        defer { storage.close() }
        do {
            switch command {
            case .add:
                let name = validName
                let password = PasswordInput.read(fromStandardInput: passwordFromStandardInput, confirm: true)
                try storage.users.add(
                    name: name, passwordHash: PasswordHasher().hash(password), now: WallClock.system.unixSeconds, quota: arguments.quota
                )
                Terminal.printError("Created user '\(name)'" + (arguments.quota.map { $0 > 0 ? " with a quota of \($0) bytes" : "" } ?? ""))
            case .passwd:
                let name = validName
                guard try storage.users.user(named: name) != nil else { Terminal.fail("no user '\(name)'") }
                let password = PasswordInput.read(fromStandardInput: passwordFromStandardInput, confirm: true)
                try storage.users.setPassword(name: name, passwordHash: PasswordHasher().hash(password), now: WallClock.system.unixSeconds)
                Terminal.printError("Password of '\(name)' changed; its earlier tokens no longer work")
            case .remove:
                let name = validName
                try storage.users.remove(name: name)
                Terminal.printError("Removed user '\(name)'")
            case .list:
                let used = try storage.files.bytesByUploader()
                for user in try storage.users.all() {
                    let quota = user.quota.map { "quota \($0) bytes" } ?? "no quota"
                    print(
                        "\(user.name)\tcreated \(RFC3339.format(unixSeconds: user.createdAt))\tuses \(used[user.name] ?? 0) bytes\t\(quota)"
                    )
                }
            case .quota:
                let name = validName
                let bytes = arguments.quota ?? 0
                try storage.users.setQuota(name: name, bytes: bytes)
                Terminal.printError(
                    bytes > 0 ? "Quota of '\(name)' set to \(bytes) bytes" : "Quota of '\(name)' removed"
                )
            }
        } catch UserStoreError.alreadyExists(let name) {
            Terminal.fail("user '\(name)' already exists; change its password with: app user passwd \(name)")
        } catch UserStoreError.notFound(let name) {
            Terminal.fail("no user '\(name)'")
        } catch {
            Terminal.fail("\(error)")
        }
    }
}
