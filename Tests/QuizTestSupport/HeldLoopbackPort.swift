import Glibc

/// A TCP port on 127.0.0.1 held for as long as this object lives, so that no other process can
/// take it meanwhile: bound and not listening (the kernel answers every connection with RST), or
/// listening with a backlog nobody accepts (the handshake completes and nothing ever answers).
/// For tests of refused connections and silent servers.
public final class HeldLoopbackPort: @unchecked Sendable {
    // @unchecked: the descriptor is only closed, once, by deinit.

    /// The port on 127.0.0.1.
    public let port: Int
    private let descriptor: Int32

    /// Binds a port of the kernel's choosing; `listening` makes it accept handshakes.
    public init(listening: Bool) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw PortReportingProcess.StartFailure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
                    && (!listening || listen(descriptor, 8) == 0)
            }
        }
        guard ready else {
            let failure = errno
            close(descriptor)
            throw PortReportingProcess.StartFailure(description: "bind/listen on 127.0.0.1: errno \(failure)")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
