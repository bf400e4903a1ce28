import FileDropServer

#if canImport(Glibc)
import Glibc
#endif

// `app`: serve (the default) or manage users. Parsing is in `CommandLineArguments`; what each
// command does is in `Serve` and `UserCommands`.
switch CommandLineArguments.parse(Array(CommandLine.arguments.dropFirst())) {
case .success(.serve(let flags)):
    Serve.run(flags: flags)
case .success(.user(let arguments)):
    UserCommands.run(arguments)
case .success(.backup(let destination, let force, let database)):
    OperationsCommands.backup(to: destination, force: force, database: database)
case .success(.check(let database)):
    OperationsCommands.check(database: database)
case .success(.help(let text)):
    print(text)
case .success(.version):
    print("FileDrop \(FileDropVersion.current)")
case .failure(let error):
    Terminal.printError("app: error: \(error.message)")
    Terminal.printError("Run 'app --help' for usage.")
    exit(64)
}
