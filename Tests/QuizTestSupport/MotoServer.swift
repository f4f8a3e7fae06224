import ProcessTools
import Foundation
import Glibc
public import QuizStoreDynamoDB
import Synchronization

/// A [moto](https://docs.getmoto.org/) server, the DynamoDB-compatible fake the DynamoDB backend
/// is tested against, running as a child process on a loopback port of its own.
///
/// The conformance suite shares one server per test process (``shared()``); every test gets
/// tables of its own through a random table prefix, so tests running in parallel never see each
/// other's items. A test that needs a server configured differently starts its own and stops it.
///
/// There is no global teardown in Swift Testing, so the server watches its standard input: the
/// test process holds the write end of that pipe, and when the process ends, however it ends,
/// the pipe closes and the server exits.
public final class MotoServer: @unchecked Sendable {
    // @unchecked: every stored property is set once in init; `stopped` guards the only mutation.

    /// The port on 127.0.0.1.
    public let port: Int
    private let child: PortReportingProcess
    private let stopped = Mutex(false)

    /// The region every test uses; moto keeps the tables of each region apart.
    public static let region = "eu-west-1"
    /// Credentials for a server that checks no signatures.
    public static let dummyCredentials = SigV4Signer.Credentials(accessKeyID: "AKIAMOTOTESTKEY00000", secretAccessKey: "moto-test-secret")

    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// Starts a server with these extra environment variables and waits until it accepts connections.
    public init(environment: [String: String] = [:]) throws {
        // The launcher prints the port it picked, then starts serving on it. Standard error is
        // discarded: moto logs every request there.
        child = try PortReportingProcess(
            executable: Self.python, arguments: ["-c", Self.launcher], environment: environment, discardErrors: true, name: "moto launcher")
        port = child.port
        do {
            try Self.waitForListener(port: port, process: child.process)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Kills the server and waits for it.
    public func stop() {
        guard stopped.withLock({ stopped in
            defer { stopped = true }
            return !stopped
        }) else { return }
        child.stop()
    }

    /// Whether the server process is still running.
    public var isRunning: Bool { child.process.isRunning }

    /// The endpoint URL.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// A configuration for this server with tables under `prefix`.
    public func configuration(prefix: String, credentials: SigV4Signer.Credentials = MotoServer.dummyCredentials) -> DynamoDBConfiguration {
        var configuration = DynamoDBConfiguration(
            region: Self.region, credentials: credentials, endpoint: endpoint, tablePrefix: prefix)
        // Generous: moto serves every parallel test on one Python process.
        configuration.requestTimeout = .seconds(60)
        return configuration
    }

    // MARK: - The shared server

    private static let sharedServer = Result { try MotoServer() }

    /// The server the conformance suite shares, started at first use, ended with the test process.
    public static func shared() throws -> MotoServer {
        try sharedServer.get()
    }

    /// A table prefix no other test uses (`t` and 16 hex digits, then `-`).
    public static func uniquePrefix() -> String {
        let digits = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return "t" + String(repeating: "0", count: 16 - digits.count) + digits + "-"
    }

    // MARK: - Python

    /// The interpreter moto and boto3 are installed for: `python3` on PATH.
    public static var python: String { PortReportingProcess.python }

    /// Runs a Python script with boto3 against this server, with `AWS_*` set for it, and returns
    /// its exit status and trimmed output (standard output and error together).
    public func runPython(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, output: String) {
        let environment = [
            "AWS_ACCESS_KEY_ID": Self.dummyCredentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": Self.dummyCredentials.secretAccessKey,
            "AWS_DEFAULT_REGION": Self.region, "MOTO_ENDPOINT": endpoint,
        ]
        let result = try ProgramRun.run(Self.python, ["-c", script] + arguments, environment: environment, mergingErrors: true)
        return (result.status, result.output)
    }

    /// Waits until something accepts TCP connections on the port; fails when the server exits
    /// first or a minute passes (moto imports take seconds on a busy machine).
    private static func waitForListener(port: Int, process: Process) throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw Failure(description: "moto exited with status \(process.terminationStatus)") }
            if LoopbackPort.accepts(port) { return }
            usleep(50_000)
        }
        throw Failure(description: "moto did not listen on 127.0.0.1:\(port) within a minute")
    }
}
