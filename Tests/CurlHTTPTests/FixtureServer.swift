import Foundation
import Glibc

/// The loopback HTTP/1.1 server of `Fixtures/fixture_server.py`, running as a child process
/// for as long as this object lives.
///
/// The script is found next to this file (`#filePath`), so the test target needs no resources.
/// Each test makes its own server and `deinit` stops it; should the test process die first,
/// the server sees its stdin close and exits by itself.
final class FixtureServer {
    /// The port on 127.0.0.1 the server listens on.
    let port: Int
    private let process: Process
    /// Held open for the server's lifetime: its end of the pipe is the server's lifeline.
    private let lifeline: Pipe

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    init() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fixture_server.py")
        let process = Process()
        let output = Pipe()
        let lifeline = Pipe()
        process.executableURL = URL(fileURLWithPath: Self.python)
        // -I: no environment variables or user site-packages; -S: no site import (the
        // script needs only the standard library, and site costs a third of the start-up).
        process.arguments = ["-I", "-S", script.path, "--port", "0"]
        process.standardOutput = output
        process.standardInput = lifeline
        try process.run()

        // The first line of stdout is the port the kernel picked for `--port 0`.
        var printed = Data()
        while !printed.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed.append(chunk)
        }
        let line = String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(line) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw StartFailure(description: "fixture server printed '\(line)' instead of a port")
        }
        self.port = port
        self.process = process
        self.lifeline = lifeline
    }

    /// The interpreter that `python3` on PATH runs, found once per test process: a version
    /// manager's shim (pyenv's is a shell script) costs about 0.3 s per start, and every test
    /// starts a server. Falls back to `/usr/bin/python3`.
    private static let python: String = {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys; print(sys.executable)"]
        process.standardOutput = output
        guard (try? process.run()) != nil else { return "/usr/bin/python3" }
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !path.isEmpty ? path : "/usr/bin/python3"
    }()

    deinit {
        // SIGKILL, not `terminate()`: on Linux, Process starts the child with the signal mask
        // of the spawning thread, and Swift Concurrency's worker threads block SIGTERM, so the
        // server would never see it. The server has nothing to clean up.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? lifeline.fileHandleForWriting.close()
    }

    /// The URL of `path` (which starts with `/`) on this server.
    func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path)"
    }

    /// The body `/bytes?n=count` sends: byte `i` is `i % 251`. Built with a plain loop, as
    /// closures over millions of elements are slow in debug builds.
    static func bytesBody(count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer[index] = UInt8(index % 251) }
            initialized = count
        }
    }
}

/// A loopback TCP port that refuses connections for as long as this object lives: a socket is
/// bound to it but never listens, so the kernel answers every SYN with RST and no other
/// process can take the port in the meantime.
final class RefusingPort {
    /// The refusing port on 127.0.0.1.
    let port: Int
    private let descriptor: Int32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FixtureServer.StartFailure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw FixtureServer.StartFailure(description: "bind: errno \(errno)")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(descriptor)
    }
}
