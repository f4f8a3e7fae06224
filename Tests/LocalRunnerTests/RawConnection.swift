import Foundation
import Glibc

/// One TCP connection to 127.0.0.1 driven byte by byte: what a hostile client does that an
/// HTTP library will not (a header sent one byte at a time, a body that stops halfway, a
/// request abandoned mid-wait). Blocking calls with short time limits, for test threads.
final class RawConnection {
    private(set) var descriptor: Int32

    /// Connects, or throws.
    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            throw Failure("connect: errno \(errno)")
        }
    }

    deinit { close() }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Sends all of `bytes`; false when the peer has closed or reset the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    /// Sends `text` as UTF-8.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Whether bytes (or the end of the stream) can be read within `limit`.
    func isReadable(within limit: Duration) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, Int32(limit.components.seconds * 1000 + limit.components.attoseconds / 1_000_000_000_000_000)) > 0
    }

    /// Reads what has arrived, waiting up to `limit` for the first byte: the bytes, empty at
    /// the end of the stream (or a reset), `nil` when nothing came in time.
    func receive(within limit: Duration) -> [UInt8]? {
        guard isReadable(within: limit) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, $0.count, 0) }
        return count > 0 ? Array(buffer.prefix(count)) : []
    }

    /// Reads until the peer closes or `limit` passes: everything received, and whether it closed.
    func receiveUntilClosed(within limit: Duration) -> (bytes: [UInt8], closed: Bool) {
        let deadline = ContinuousClock.now + limit
        var received: [UInt8] = []
        while ContinuousClock.now < deadline {
            guard let chunk = receive(within: min(.milliseconds(200), deadline - ContinuousClock.now)) else { continue }
            if chunk.isEmpty { return (received, true) }
            received += chunk
        }
        return (received, false)
    }

    /// Reads one whole HTTP response (status line, headers, a `content-length` body), waiting
    /// up to `limit`: its status and text, `nil` if none came.
    func receiveResponse(within limit: Duration) -> (status: Int, text: String)? {
        let deadline = ContinuousClock.now + limit
        var received: [UInt8] = []
        while ContinuousClock.now < deadline {
            let text = String(decoding: received, as: UTF8.self)
            if let headerEnd = text.range(of: "\r\n\r\n") {
                let head = text[..<headerEnd.lowerBound].lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text.utf8.distance(from: text.startIndex, to: headerEnd.upperBound) >= length {
                    let status = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                    return (status, text)
                }
            }
            guard let chunk = receive(within: min(.milliseconds(200), deadline - ContinuousClock.now)) else { continue }
            if chunk.isEmpty { break }
            received += chunk
        }
        return nil
    }

    /// Whether the peer of socket `descriptor` closes it within `limit` (reading and dropping
    /// whatever arrives first).
    static func isClosed(_ descriptor: Int32, within limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, $0.count, 0) }
            if count <= 0 { return true }
        }
        return false
    }

    /// Closes the connection (once).
    func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }
}
