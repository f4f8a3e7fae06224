import CurlHTTP
import Foundation
import Glibc
import ProcessTools

/// The AWS Lambda Runtime Interface Emulator running one bootstrap, for as long as this object
/// lives, on loopback ports of its own.
///
/// The emulator is the one SAM CLI runs (`.ci/fetch-rie` installs it at
/// `.tools/aws-lambda-rie`). It serves the invoke API on `--runtime-interface-emulator-address`
/// and the Runtime API on `--runtime-api-address`, and starts the bootstrap given as its argument
/// at the first invocation, in a process group of its own, with `AWS_LAMBDA_RUNTIME_API` set.
/// So stopping it means killing the bootstrap by its id as well as the emulator.
final class RuntimeInterfaceEmulator {
    /// The emulator's process.
    let process: Process
    /// The port of the invoke API.
    let invokePort: Int
    /// Where the emulator's output and the bootstrap's go, for the failure messages of tests.
    let logFile: URL
    private let client: CurlHTTPClient

    /// The emulator's path, installed by `.ci/fetch-rie` when missing. A failure to install it
    /// (no network, say) throws: CI reaches PyPI, so a missing emulator is a failed test.
    static func installedPath() throws -> String {
        let script = ProcessSupport.repositoryRoot.appendingPathComponent(".ci/fetch-rie").path
        let result = try ProcessSupport.run("/bin/bash", [script])
        // The path is the last line; pip's warnings, if any, come before it.
        guard result.status == 0, let path = result.output.split(separator: "\n").last.map(String.init),
            FileManager.default.isExecutableFile(atPath: path)
        else {
            throw ProcessSupport.Failure(
                description: ".ci/fetch-rie exited \(result.status) without installing the emulator: \(result.output)")
        }
        return path
    }

    /// Starts the emulator in front of `bootstrap` and waits until it accepts invocations.
    init(bootstrap: URL = ProcessSupport.echoFunction) throws {
        let emulator = try Self.installedPath()
        invokePort = try LoopbackPort.free()
        let runtimeAPIPort = try LoopbackPort.free()
        logFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("aws-lambda-rie-\(getpid())-\(invokePort).log")
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil) else {
            throw ProcessSupport.Failure(description: "could not create \(logFile.path)")
        }
        let log = try FileHandle(forWritingTo: logFile)

        process = Process()
        process.executableURL = URL(fileURLWithPath: emulator)
        process.arguments = [
            "--log-level", "error",
            "--runtime-interface-emulator-address", "127.0.0.1:\(invokePort)",
            "--runtime-api-address", "127.0.0.1:\(runtimeAPIPort)",
            bootstrap.path,
        ]
        process.environment = ProcessSupport.environment()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        client = try CurlHTTPClient(configuration: .init(requestTimeout: .seconds(120)))
        do {
            try ProcessSupport.waitForListener(port: invokePort)
        } catch {
            _ = stop()
            throw error
        }
    }

    deinit {
        _ = stop()
        try? FileManager.default.removeItem(at: logFile)
    }

    /// Invokes the function synchronously, as `aws lambda invoke` would.
    func invoke(_ event: [UInt8]) throws -> HTTPResponse {
        try client.send(HTTPRequest(
            method: .post, url: "http://127.0.0.1:\(invokePort)/2015-03-31/functions/function/invocations",
            body: event))
    }

    /// The bootstraps running now (one, once the function has been invoked).
    var runningBootstraps: [pid_t] {
        ProcessTable.children(of: process.processIdentifier)
    }

    /// The tail of the emulator's log, for failure messages.
    var logTail: String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return String(text.suffix(2000))
    }

    /// Kills the bootstrap and the emulator, waits for both, and returns the ids of any that
    /// are still alive (none, unless something is badly wrong).
    ///
    /// The bootstrap goes first, so that the emulator, its parent, reaps it: killed after the
    /// emulator, it would be left to an init process that may never reap it. SIGKILL, not
    /// SIGTERM: Process starts its child with the signal mask of the spawning thread, and Swift
    /// Concurrency's worker threads block SIGTERM.
    func stop() -> [pid_t] {
        let bootstraps = process.isRunning ? ProcessTable.children(of: process.processIdentifier) : []
        for pid in bootstraps {
            kill(pid, SIGKILL)
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while bootstraps.contains(where: ProcessSupport.exists), ContinuousClock.now < deadline {
            usleep(10_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return bootstraps.filter(ProcessTable.isAlive)
    }
}
