import Glibc
import ProcessTools

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
        (descriptor, port) = try LoopbackPort.bind(listening: listening)
    }

    deinit { close(descriptor) }
}
