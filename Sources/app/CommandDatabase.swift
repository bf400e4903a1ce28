import FileDropServer
import FileDropStorage

#if canImport(Glibc)
import Glibc
#endif

/// The database a command (`app user …`, `app backup`, `app check`) works on: `--database`,
/// else `APP_DATABASE`, else the default, resolved as the server resolves it.
enum CommandDatabase {
    /// Opens it, or ends the process with one line saying why. With `mustExist`, a missing
    /// database is an error rather than a new empty one (a check or a backup of nothing is
    /// a mistake). A command never checkpoints itself; under `APP_LITESTREAM` not even at
    /// close.
    static func open(_ database: String?, mustExist: Bool = false) -> (storage: Storage, path: String) {
        var flags: [ServerConfiguration.Setting: String] = [:]
        flags[.database] = database
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.resolve(flags: flags, environment: Environment.all())
        } catch {
            Terminal.fail(error.description)
        }
        let path = configuration.databasePath
        if mustExist && access(path, R_OK) != 0 { Terminal.fail("no database at \(path)") }
        do {
            return (try Storage(path: path, checkpointOnClose: !configuration.litestream), path)
        } catch {
            Terminal.fail("cannot open database \(path): \(error)")
        }
    }
}
