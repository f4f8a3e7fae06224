import ProcessTools
import CurlHTTP
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The AWS Lambda Runtime Interface Emulator in front of one bootstrap, on loopback ports of its
/// own, invoked the way `aws lambda invoke` (or SAM's `sam local invoke`) does.
///
/// The emulator starts the bootstrap at the first invocation (init and invoke, as Lambda does),
/// with `AWS_LAMBDA_RUNTIME_API` pointing at its Runtime API and the rest of its own environment.
/// Stopping it kills the bootstrap first, by its id, so that the emulator reaps it, then the
/// emulator: SIGKILL both, as the runtime's emulator tests do, so nothing depends on how either
/// handles SIGTERM.
final class Emulator {
    /// The emulator's process.
    let process: Process
    /// What the emulator runs, for messages.
    let bootstrapName: String
    /// The port of the invoke API.
    let invokePort: Int
    /// Where the emulator's and the bootstrap's output go; kept when a run fails.
    let logPath: String
    private let client: CurlHTTPClient
    private let invokeURL: String
    private var knownBootstraps: Set<pid_t> = []

    /// Starts the emulator at `rie` in front of `bootstrap` (run with `arguments`, e.g. a
    /// program under valgrind), with the benchmark's environment minus anything Lambda-specific,
    /// plus `environment`. Returns at once: the first ``invokeWhenListening(_:within:)`` waits
    /// for the emulator to listen.
    init(rie: String, bootstrap: String, arguments: [String] = [], environment: [String: String] = [:], logDirectory: String) throws {
        bootstrapName = URL(fileURLWithPath: arguments.last ?? bootstrap).lastPathComponent
        invokePort = try LoopbackPort.free()
        let runtimePort = try LoopbackPort.free()
        invokeURL = "http://127.0.0.1:\(invokePort)/2015-03-31/functions/function/invocations"
        logPath = "\(logDirectory)/rie-\(bootstrapName)-\(invokePort).log"
        // No time limit would let a hung bootstrap hang the benchmark; no invocation here
        // comes near a minute.
        client = try CurlHTTPClient(configuration: .init(connectTimeout: .seconds(5), requestTimeout: .seconds(60)))

        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw ToolFailure("could not create \(logPath)")
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        var inherited = ProcessInfo.processInfo.environment
        for name in inherited.keys where name.hasPrefix("AWS_LAMBDA_") || name == "_X_AMZN_TRACE_ID" {
            inherited[name] = nil
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: rie)
        process.arguments = [
            "--log-level", "error",
            "--runtime-interface-emulator-address", "127.0.0.1:\(invokePort)",
            "--runtime-api-address", "127.0.0.1:\(runtimePort)",
            bootstrap,
        ] + arguments
        process.environment = inherited.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        ChildProcesses.register(process.processIdentifier, stopSignal: SIGKILL)
    }

    deinit {
        stop()
    }

    /// Invokes the function synchronously; throws when no HTTP answer came.
    func invoke(_ event: [UInt8]) throws(HTTPClientError) -> HTTPResponse {
        try client.send(HTTPRequest(method: .post, url: invokeURL, body: event))
    }

    /// The first invocation after launch: retried while the emulator does not accept
    /// connections yet (libcurl's "couldn't connect", a refused port), every 0.5 ms, so the
    /// time to the first response includes at most that much polling slack.
    func invokeWhenListening(_ event: [UInt8], within limit: Duration = .seconds(30)) throws -> HTTPResponse {
        let deadline = ContinuousClock.now + limit
        while true {
            // (A `catch where` clause on this typed error crashes the 6.3 compiler's SILGen.)
            let result = Result { () throws(HTTPClientError) -> HTTPResponse in try invoke(event) }
            switch result {
            case .success(let response):
                return response
            case .failure(let error):
                guard error.curlCode == 7, ContinuousClock.now < deadline, process.isRunning else { throw error }
                usleep(500)
            }
        }
    }

    /// The bootstrap the emulator runs now: its only child once invoked; `nil` before.
    var bootstrapPID: pid_t? {
        let children = ProcessTable.children(of: process.processIdentifier)
        for pid in children where !knownBootstraps.contains(pid) {
            knownBootstraps.insert(pid)
            ChildProcesses.register(pid, stopSignal: SIGKILL)
        }
        return children.first
    }

    /// The last lines of the log, for failure messages.
    var logTail: String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return String(text.suffix(1500))
    }

    /// Kills the bootstrap, then the emulator, and waits for both. Safe to call twice.
    func stop() {
        if process.isRunning {
            _ = bootstrapPID
        }
        for pid in knownBootstraps where ProcessTable.isAlive(pid) {
            kill(pid, SIGKILL)
        }
        _ = ProcessTable.waitUntilGone(Array(knownBootstraps), within: .seconds(10))
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        for pid in knownBootstraps {
            ChildProcesses.unregister(pid)
        }
        ChildProcesses.unregister(process.processIdentifier)
        knownBootstraps.removeAll()
    }
}
