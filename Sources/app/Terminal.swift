import FileDropServer
import FileDropSystem

#if canImport(Glibc)
import Glibc
#endif

/// Output for people: errors are one line on stderr and a non-zero exit, never a trace.
enum Terminal {
    static func printError(_ line: String) {
        writeError(line + "\n")
    }

    /// Writes `text` to standard error (file descriptor 2) whole, unbuffered. (The C
    /// `stderr` stream is a global mutable variable, which Swift 6 refuses to touch.)
    static func writeError(_ text: String) {
        LogOutput.standardError.flush()  // log lines written before this come first
        try? FileSystem.writeAll(STDERR_FILENO, Array(text.utf8))
    }

    static func fail(_ message: String) -> Never {
        printError("app: error: \(message)")
        exit(1)
    }
}

enum Environment {
    static func all() -> [String: String] {
        var values: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return values
    }
}

extension UserName {
    /// The name, or exit with the reason.
    static func validated(_ name: String) -> String {
        if let problem = problem(with: name) { Terminal.fail(problem) }
        return name
    }
}

/// Reads a new password: one line of standard input with `--password-stdin`, else a prompt
/// on the terminal with echo off (asked twice).
enum PasswordInput {
    static func read(fromStandardInput: Bool, confirm: Bool) -> String {
        let password: String
        if fromStandardInput {
            guard let line = readLine(strippingNewline: true) else { Terminal.fail("no password on standard input") }
            password = line.hasSuffix("\r") ? String(line.dropLast()) : line
        } else {
            guard isatty(STDIN_FILENO) == 1 else {
                Terminal.fail("standard input is not a terminal; pass --password-stdin to read the password from it")
            }
            password = prompt("Password: ")
            if confirm, prompt("Repeat password: ") != password {
                Terminal.fail("the passwords differ")
            }
        }
        guard !password.isEmpty else { Terminal.fail("the password cannot be empty") }
        return password
    }

    private static func prompt(_ text: String) -> String {
        Terminal.writeError(text)
        var original = termios()
        tcgetattr(STDIN_FILENO, &original)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        let line = readLine(strippingNewline: true) ?? ""
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
        Terminal.writeError("\n")
        return line
    }
}

/// SIGTERM and SIGINT, taken synchronously by the main thread.
enum Signals {
    static func blockTermination() {
        signal(SIGPIPE, SIG_IGN)
        var set = terminationSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks until SIGTERM or SIGINT arrives; returns which.
    static func waitForTermination() -> Int32 {
        var set = terminationSet()
        var received: Int32 = 0
        sigwait(&set, &received)
        return received
    }

    private static func terminationSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        return set
    }
}
