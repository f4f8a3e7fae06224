import Foundation
import Glibc
import ProcessTools
import QuizTestSupport

/// Finding, starting, watching and stopping the processes the integration tests run.
///
/// Every wait here has a generous limit that only guards against a hang: a test never passes or
/// fails on how long something took.
enum ProcessSupport {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    // MARK: - Paths

    /// The repository root, found from this file's real location (`Tests/LambdaRuntimeTests/
    /// Support/`), so a scratch package that links the test directory finds it too.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `EchoFunction` bootstrap, built next to the test bundle.
    static let echoFunction: URL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("EchoFunction")

    /// The `session-function` bootstrap, built next to the test bundle.
    static let sessionFunction: URL = echoFunction.deletingLastPathComponent().appendingPathComponent("session-function")

    /// A file of `Tests/LambdaRuntimeTests/Fixtures`.
    static func fixture(_ name: String) -> URL {
        repositoryRoot.appendingPathComponent("Tests/LambdaRuntimeTests/Fixtures/\(name)")
    }

    /// The interpreter `python3` on PATH runs.
    static var python: String { PortReportingProcess.python }

    /// The environment of this process without anything Lambda-specific, plus `extra`.
    static func environment(adding extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in environment.keys where name.hasPrefix("AWS_LAMBDA_") || name == "_X_AMZN_TRACE_ID" {
            environment[name] = nil
        }
        return environment.merging(extra) { $1 }
    }

    // MARK: - Running

    /// Runs `executable` to completion and returns its exit status and its trimmed standard
    /// output and standard error, interleaved.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try ProgramRun.run(executable, arguments, mergingErrors: true)
        return (result.status, result.output)
    }

    /// Waits up to `limit` for `process` to exit and returns its status; a process still running
    /// then is killed, and the wait fails.
    static func waitForExit(_ process: Process, within limit: Duration = .seconds(60)) throws -> Int32 {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline {
            usleep(10_000)
        }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw Failure(description: "process \(process.processIdentifier) was still running after \(limit)")
        }
        return process.terminationStatus
    }

    // MARK: - Ports

    /// Waits up to `limit` for something to accept TCP connections on 127.0.0.1:`port`.
    static func waitForListener(port: Int, within limit: Duration = .seconds(30)) throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if LoopbackPort.accepts(port) { return }
            usleep(20_000)
        }
        throw Failure(description: "nothing listened on 127.0.0.1:\(port) within \(limit)")
    }

    // MARK: - /proc

    /// Whether `pid` names a process, zombies included: false once its parent has reaped it.
    /// (`ProcessTable.isAlive` is the test for a live one.)
    static func exists(_ pid: pid_t) -> Bool {
        FileManager.default.fileExists(atPath: "/proc/\(pid)/stat")
    }
}

/// Test payloads, built with plain loops: closures over millions of elements are slow in debug
/// builds.
enum Payload {
    /// `count` bytes in which every byte value occurs: byte `i` is `(i * 31 + i >> 9) % 256`.
    static func bytes(count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 9) }
            initialized = count
        }
    }

    /// A JSON document of exactly `count` bytes (at least 2): one string of printable ASCII
    /// that varies along its length, so a dropped or reordered chunk cannot go unnoticed.
    static func jsonString(count: Int) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer[0] = UInt8(ascii: "\"")
            for index in 1..<(count - 1) { buffer[index] = alphabet[(index &* 7 &+ index >> 12) & 63] }
            buffer[count - 1] = UInt8(ascii: "\"")
            initialized = count
        }
    }
}
