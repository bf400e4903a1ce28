extension SecretKeyFile {
    /// Why the key file cannot be used. Each case names the file and, in `message`, the fix;
    /// none carries key bytes.
    public enum Failure: Error, Equatable {
        case empty(path: String)
        case tooShort(path: String, length: Int)
        case tooOpen(path: String, mode: UInt32)
        case unreadable(path: String, reason: String)
        case notCreatable(path: String, reason: String)

        /// One line for the start-up error, naming the fix.
        public var message: String {
            switch self {
            case .empty(let path):
                "secret key file \(path) is empty; delete it to have a new key generated, "
                    + "or write a key of at least \(SecretKeyFile.minimumKeyLength) bytes into it"
            case .tooShort(let path, let length):
                "secret key file \(path) holds a \(length)-byte key, at least "
                    + "\(SecretKeyFile.minimumKeyLength) bytes are needed; delete it to have a new key "
                    + "generated, or write a longer key into it"
            case .tooOpen(let path, let mode):
                "secret key file \(path) is accessible by group or others (mode \(Self.octal(mode))); "
                    + "run: chmod 600 \(path)"
            case .unreadable(let path, let reason):
                "cannot read secret key file \(path): \(reason); check the path and its permissions, "
                    + "or choose another file with --secret-key-file"
            case .notCreatable(let path, let reason):
                "cannot create secret key file \(path): \(reason); check that its folder exists and is "
                    + "writable, or choose another file with --secret-key-file"
            }
        }

        private static func octal(_ mode: UInt32) -> String {
            let digits = String(mode, radix: 8)
            return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        }
    }
}

extension SecretKeyFile.Failure: CustomStringConvertible {
    public var description: String { message }
}
