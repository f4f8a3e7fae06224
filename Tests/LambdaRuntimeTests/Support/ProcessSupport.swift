import Foundation
import Glibc
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
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return (process.terminationStatus, text)
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

    /// A loopback port that was free a moment ago: bound to port 0, read back, released.
    static func freeLoopbackPort() throws -> Int {
        let socket = try LoopbackSocket()
        return socket.port
    }

    /// Waits up to `limit` for something to accept TCP connections on 127.0.0.1:`port`.
    static func waitForListener(port: Int, within limit: Duration = .seconds(30)) throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if (try? LoopbackSocket(connectingTo: port)) != nil { return }
            usleep(20_000)
        }
        throw Failure(description: "nothing listened on 127.0.0.1:\(port) within \(limit)")
    }

    // MARK: - /proc

    /// The ids of the live processes whose parent is `parent`, read from `/proc/PID/stat`.
    static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let end = stat.lastIndex(of: ")")
            else { return false }
            // After "pid (comm)": state, then the parent's id; a zombie ("Z") is already dead.
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            return fields.count > 1 && fields[0] != "Z" && pid_t(fields[1]) == parent
        }
    }

    /// Whether `pid` names a process, zombies included: false once its parent has reaped it.
    static func exists(_ pid: pid_t) -> Bool {
        FileManager.default.fileExists(atPath: "/proc/\(pid)/stat")
    }

    /// Whether `pid` is a live (not zombie) process.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: end)...].split(separator: " ").first != "Z"
    }

    /// A `kB` field of `/proc/PID/status`, such as `VmRSS`.
    static func memoryField(_ name: String, of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("\(name):") }
        return line?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }
}

/// A TCP socket on 127.0.0.1, closed when this object goes away: bound to a kernel-chosen port
/// and never listening (so connections to it are refused), or connected to `port`.
final class LoopbackSocket {
    let descriptor: Int32
    let port: Int

    /// A bound socket that does not listen: the port refuses connections while this lives.
    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ProcessSupport.Failure(description: "socket: errno \(errno)") }
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw ProcessSupport.Failure(description: "bind: errno \(errno)")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// A socket connected to 127.0.0.1:`port`; throws when the connection is refused.
    init(connectingTo port: Int) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ProcessSupport.Failure(description: "socket: errno \(errno)") }
        var address = Self.loopback(port: port)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(descriptor)
            throw ProcessSupport.Failure(description: "connect: errno \(errno)")
        }
        self.descriptor = descriptor
        self.port = port
    }

    deinit {
        close(descriptor)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
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
