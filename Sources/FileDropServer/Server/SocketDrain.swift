import NIOCore

/// How far a client has taken in what the server wrote to it: the kernel's count of bytes it
/// acknowledged (`tcpi_bytes_acked` of `TCP_INFO`, Linux 4.1 and later).
///
/// A completed write only says the bytes reached the kernel's send buffer, which on a fast
/// link grows to megabytes: a client reading slowly but steadily may drain it for many
/// seconds before the buffer has room for the next write. The acknowledged count moves with
/// every segment the client takes, so the write-progress timeout sees a slow reader as slow,
/// not stalled.
enum SocketDrain {
    /// The start of the kernel's `struct tcp_info`, to `tcpi_bytes_acked` (its 16th 64-bit
    /// word: 8 single bytes, 24 32-bit counters, then pacing rate, maximum pacing rate, bytes
    /// acknowledged). The kernel copies as much as is asked for, and only appends fields.
    private struct TCPInfoPrefix: Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        var more: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    }

    /// The acknowledged byte count of a socket channel; nil for a channel without a socket
    /// (tests on `EmbeddedChannel`), and a failed future where the kernel does not say.
    static func bytesAcknowledged(_ channel: Channel) -> EventLoopFuture<UInt64>? {
        guard let provider = channel as? SocketOptionProvider else { return nil }
        let info: EventLoopFuture<TCPInfoPrefix> = provider.unsafeGetSocketOption(level: .tcp, name: .tcp_info)
        return info.map { $0.more.7 }
    }
}
