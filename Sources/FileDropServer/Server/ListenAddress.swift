import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Checks, before anything is created on disk, that the server can listen where it is told
/// (SPEC "Configuration": a bad host or a port in use stops start-up with one plain line and
/// creates nothing): the host must be an address or a name that resolves, and a socket must
/// bind there. The socket is closed again at once; `Server.start` binds for real later.
public enum ListenAddress {
    /// Why the server cannot listen, in words for the one error line.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let host: String
        public let port: Int
        public let reason: String

        /// `cannot listen on 127.0.0.1:5000: address already in use`.
        public var description: String {
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "cannot listen on \(shownHost):\(port): \(reason)"
        }
    }

    public static func check(host: String, port: Int) throws(Failure) {
        let address: SocketAddress
        do {
            address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw Failure(host: host, port: port, reason: "not an IP address or a host name that resolves")
        }
        let descriptor = socket(Int32(address.protocol.rawValue), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(host: host, port: port, reason: describe(errno)) }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        let bound = address.withSockAddr { pointer, length in bind(descriptor, pointer, socklen_t(length)) }
        guard bound == 0 else { throw Failure(host: host, port: port, reason: describe(errno)) }
    }

    /// The failure of a real bind (NIO's `IOError`), in the same plain words.
    public static func failure(host: String, port: Int, error: Error) -> Failure {
        if let io = error as? IOError {
            return Failure(host: host, port: port, reason: describe(io.errnoCode))
        }
        if error is SocketAddressError {
            return Failure(host: host, port: port, reason: "not an IP address or a host name that resolves")
        }
        return Failure(host: host, port: port, reason: "\(error)")
    }

    /// `errno` in plain words, with the fix where there is an obvious one.
    static func describe(_ code: Int32) -> String {
        switch code {
        case EADDRINUSE: "address already in use"
        case EACCES: "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
        case EADDRNOTAVAIL: "no such address on this machine"
        default: strerror(code).map { String(cString: $0).lowercased() } ?? "error \(code)"
        }
    }
}
