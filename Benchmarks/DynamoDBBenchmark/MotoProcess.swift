import ProcessTools
import Foundation

/// A `moto_server` (the DynamoDB-compatible fake the tests use) on a free loopback port, started
/// for the run and killed at the end, also when the benchmark fails.
final class MotoProcess {
    let port: Int
    private let process: Process

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init() throws {
        port = try LoopbackPort.free()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        // The server dies with the benchmark: it reads nothing, so a closed pipe does not stop
        // it, but SIGKILL in deinit and at exit does.
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !LoopbackPort.accepts(port) {
            guard process.isRunning else {
                throw Failure(description: "moto_server exited with status \(process.terminationStatus); is moto[server] installed? (make deps)")
            }
            guard Date() < deadline else {
                stop()
                throw Failure(description: "moto_server did not listen on 127.0.0.1:\(port) within a minute")
            }
            usleep(50_000)
        }
    }

    deinit { stop() }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
