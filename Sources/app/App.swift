import ArgumentParser
import FileDropServer

/// `app`: serve (the default) or manage users.
@main
struct App: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "FileDrop: a single-binary file drop with a web page and an HTTP API.",
        version: FileDropVersion.current,
        subcommands: [Serve.self, UserCommand.self],
        defaultSubcommand: Serve.self
    )
}
