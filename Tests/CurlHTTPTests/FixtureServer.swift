import Foundation
import Glibc
import QuizTestSupport

/// The loopback HTTP/1.1 server of `Fixtures/fixture_server.py`, running as a child process
/// for as long as this object lives.
///
/// The script is found next to this file (`#filePath`), so the test target needs no resources.
/// Each test makes its own server and `deinit` stops it; should the test process die first,
/// the server sees its stdin close and exits by itself.
final class FixtureServer {
    /// The port on 127.0.0.1 the server listens on.
    let port: Int
    private let child: PortReportingProcess

    init() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fixture_server.py")
        // -I: no environment variables or user site-packages; -S: no site import (the
        // script needs only the standard library, and site costs a third of the start-up).
        child = try PortReportingProcess(
            executable: PortReportingProcess.python, arguments: ["-I", "-S", script.path, "--port", "0"], name: "fixture server")
        port = child.port
    }

    deinit {
        // The server has nothing to clean up.
        child.stop()
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
