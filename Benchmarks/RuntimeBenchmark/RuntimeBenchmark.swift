import BenchmarkSupport
import CurlHTTP
import Foundation
import ProcessTools

/// What to run, from the command line.
struct RuntimeBenchmarkOptions {
    /// The emulator; `nil` looks in `.tools/aws-lambda-rie` of the working directory.
    var rie: String?
    /// Measured invocations per bootstrap.
    var invocations = 2_000
    /// Unmeasured invocations per bootstrap first: connections made, pages touched, caches warm.
    var warmup = 100
    /// Measured cold starts per bootstrap (after one unmeasured launch each): the emulator's
    /// own start dominates each, so a median of fewer swings by more than the target's margin.
    var launches = 40
    /// Invocations of each real function before its memory and CPU are read.
    var functionInvocations = 200
    /// Invocations counted under callgrind, per bootstrap.
    var instructionInvocations = 500
}

/// The measurements, run in order; see `main.swift`. Every ratio is against the C floor
/// measured in the same run.
struct RuntimeBenchmark {
    /// Cold start, launch to first response: echo within this factor of the floor's.
    static let coldStartTarget = 1.05
    /// CPU time the bootstrap spends per invocation: echo within this factor of the floor's.
    static let cpuTarget = 1.2
    /// Resident memory (VmRSS) of the echo bootstrap after its run, in MiB.
    static let echoMemoryTargetMiB = 12.0
    /// Resident memory of every real function bootstrap after its run, in MiB.
    static let functionMemoryTargetMiB = 16.0
    /// Per-invocation wall time, as the client sees it: echo's mean and median within this factor.
    static let latencyTarget = 1.3

    /// The variables template.yaml gives every deployed function that change what a bootstrap
    /// costs (GnuTLS, which libcurl's RTMP support links, is not initialised); every bootstrap
    /// here runs with them, the C floor included, so the floor stays the same process deployed
    /// the same way.
    static let deployedEnvironment = ["GNUTLS_NO_IMPLICIT_INIT": "1"]

    /// The real functions, by product.
    static let functions = ["session", "quiz", "answer", "progress", "maintenance"]

    let options: RuntimeBenchmarkOptions
    let rie: String
    let echo: String
    let floor: String
    /// `<name>-function` executables, in the order of ``functions``.
    let functionBootstraps: [String]
    let directory: String

    /// Resolves every executable before anything starts, so a missing one fails at once.
    init(options: RuntimeBenchmarkOptions) throws {
        self.options = options
        let rie = options.rie ?? FileManager.default.currentDirectoryPath + "/.tools/aws-lambda-rie"
        guard FileManager.default.isExecutableFile(atPath: rie) else {
            throw ToolFailure(
                "no Runtime Interface Emulator at \(rie): install it with `bash .ci/fetch-rie` (it prints the path) "
                    + "and pass --rie PATH, or run from the repository root")
        }
        self.rie = rie
        echo = try Executables.product("EchoFunction")
        floor = try Executables.product("runtime-floor")
        functionBootstraps = try Self.functions.map { try Executables.product("\($0)-function") }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("quiz-runtime-bench-\(getpid())").path
    }

    /// Runs everything and prints the figures; true when every target is met.
    func run() throws -> Bool {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var succeeded = false
        defer {
            // The logs of a failed run stay for reading; a good run leaves nothing behind.
            if succeeded {
                try? FileManager.default.removeItem(atPath: directory)
            } else {
                printError("quiz-runtime-bench: logs kept in \(directory)")
            }
        }
        print("bootstraps: \(Executables.directory.path)")
        print("emulator:   \(rie)")
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("cores: \(ProcessInfo.processInfo.activeProcessorCount); load average at start: \(load)")
        print()

        let steady = try measureInvocations()
        print()
        let instructions = try measureInstructions()
        print()
        let cold = try measureColdStarts()
        print()
        let startInstructions = try measureStartupInstructions()
        print()
        let functions = try measureFunctions()
        print()

        let latencyMean = steady.echo.mean.microseconds / steady.floor.mean.microseconds
        let latencyMedian = steady.echo.p50.microseconds / steady.floor.p50.microseconds
        let cpu = steady.echoCPU.microseconds / steady.floorCPU.microseconds
        let coldStart = cold.echo.milliseconds / cold.floor.milliseconds
        var results: [(String, Bool)] = []
        func verdict(_ met: Bool) -> String { met ? "met" : "NOT met" }
        print("summary (targets of issue 16; ratios against the C floor of this run)")
        let coldMet = coldStart <= Self.coldStartTarget
        print(String(format: "  cold start to first response, median: echo %.1f ms / floor %.1f ms = %.2fx (target <= %.2fx): ", cold.echo.milliseconds, cold.floor.milliseconds, coldStart, Self.coldStartTarget) + verdict(coldMet))
        results.append(("cold start", coldMet))
        // The same start in the bootstrap's own CPU time and in instructions, which the waits of
        // a loaded machine do not move; printed beside the wall-time verdict, not instead of it.
        print(String(format: "    beside it: the bootstrap's own CPU time %.2f ms / %.2f ms = %.2fx", cold.echoCPU.milliseconds, cold.floorCPU.milliseconds, cold.echoCPU.milliseconds / cold.floorCPU.milliseconds)
            + (startInstructions.map { String(format: "; instructions %.2f / %.2f million = %.2fx", $0.echo / 1e6, $0.floor / 1e6, $0.echo / $0.floor) } ?? ""))
        let cpuMet = cpu <= Self.cpuTarget
        print(String(format: "  CPU per invocation: echo %.1f µs / floor %.1f µs = %.2fx (target <= %.1fx): ", steady.echoCPU.microseconds, steady.floorCPU.microseconds, cpu, Self.cpuTarget) + verdict(cpuMet))
        results.append(("CPU", cpuMet))
        if let instructions {
            // The same work counted in instructions, which the machine's load does not move.
            let ratio = instructions.echo / instructions.floor
            let met = ratio <= Self.cpuTarget
            print(String(format: "  instructions per invocation: echo %.0f / floor %.0f = %.2fx beside CPU time's %.2fx (target <= %.1fx): ", instructions.echo, instructions.floor, ratio, cpu, Self.cpuTarget) + verdict(met))
            results.append(("instructions", met))
        }
        let echoMemoryMet = steady.echoMemory.rssMiB <= Self.echoMemoryTargetMiB
        print(String(format: "  VmRSS after the run: EchoFunction %.1f MiB, floor %.1f MiB (target <= %.0f MiB): ", steady.echoMemory.rssMiB, steady.floorMemory.rssMiB, Self.echoMemoryTargetMiB) + verdict(echoMemoryMet))
        results.append(("echo memory", echoMemoryMet))
        for function in functions {
            let met = function.memory.rssMiB <= Self.functionMemoryTargetMiB
            print("  VmRSS after the run: \(function.name) " + String(format: "%.1f MiB (target <= %.0f MiB): ", function.memory.rssMiB, Self.functionMemoryTargetMiB) + verdict(met))
            results.append((function.name, met))
        }
        let latencyMet = latencyMean <= Self.latencyTarget && latencyMedian <= Self.latencyTarget
        print(String(format: "  per invocation, client to RIE and back, ours / floor: mean %.2fx, p50 %.2fx (target <= %.1fx): ", latencyMean, latencyMedian, Self.latencyTarget) + verdict(latencyMet))
        results.append(("latency", latencyMet))
        succeeded = true
        return results.allSatisfy(\.1)
    }

    // MARK: - Events and checks

    /// A small JSON event (~100 bytes, the size of a small API request), numbered so that an
    /// answer to an earlier invocation cannot pass for this one's.
    static func echoEvent(_ number: Int) -> [UInt8] {
        Array(#"{"version":"2.0","routeKey":"GET /health","rawPath":"/health","invocation":\#(number)}"#.utf8)
    }

    /// `functions/session/events/25-health.json`, compact: an API Gateway HTTP API (payload
    /// v2) event for `GET /health`, which needs no caller and which every HTTP function serves.
    static let healthEvent = Array(
        #"{"version":"2.0","routeKey":"GET /health","rawPath":"/health","rawQueryString":"","headers":{"host":"localhost:3000","user-agent":"quiz-runtime-bench"},"requestContext":{"accountId":"123456789012","apiId":"quizapi","domainName":"localhost","domainPrefix":"localhost","http":{"method":"GET","path":"/health","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"quiz-runtime-bench"},"requestId":"bench-health","routeKey":"GET /health","stage":"$default","time":"15/Jan/2027:08:00:00 +0000","timeEpoch":1800000000000},"isBase64Encoded":false}"#
            .utf8)

    /// `functions/maintenance/events/30-scheduled.json`, compact: the EventBridge schedule.
    static let scheduledEvent = Array(
        #"{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2027-01-15T08:00:00Z","region":"eu-west-1","resources":["arn:aws:events:eu-west-1:123456789012:rule/quiz-maintenance"],"detail":{}}"#
            .utf8)

    /// Why `body` is not a 200 health response with a reachable store, or `nil` when it is.
    static func healthFailure(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let status = object["statusCode"] as? Int
        else {
            return "the answer is not an API Gateway response: \(String(decoding: body.prefix(300), as: UTF8.self))"
        }
        guard status == 200, let text = object["body"] as? String, text.contains(#""reachable""#) else {
            return "GET /health answered \(status): \(String(decoding: body.prefix(300), as: UTF8.self))"
        }
        return nil
    }

    /// Why `body` is not the maintenance summary, or `nil` when it is.
    static func maintenanceFailure(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], object["sessionsScanned"] is Int else {
            return "the scheduled run answered \(String(decoding: body.prefix(300), as: UTF8.self))"
        }
        return nil
    }

    /// Throws unless the emulator answered 200 with `event` itself.
    func check(_ response: HTTPResponse, echoing event: [UInt8], from emulator: Emulator) throws {
        guard response.status == 200, response.body == event else {
            throw ToolFailure(
                "\(emulator.bootstrapName) answered \(response.status) with \(String(decoding: response.body.prefix(300), as: UTF8.self)):\n\(emulator.logTail)")
        }
    }
}

// MARK: - CPU time

extension ProcessTable {
    /// The CPU time all threads of `pid` have used, user and system, in nanoseconds, from the
    /// first field of each `/proc/PID/task/TID/schedstat` (exact, unlike the clock ticks of
    /// `/proc/PID/stat`); `nil` once the process has exited.
    static func cpuTime(of pid: pid_t) -> Duration? {
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return nil }
        var nanoseconds: Int64 = 0
        for thread in threads {
            guard let text = procFile("/proc/\(pid)/task/\(thread)/schedstat"), let first = text.split(separator: " ").first, let value = Int64(first) else {
                continue
            }
            nanoseconds += value
        }
        return .nanoseconds(nanoseconds)
    }
}

extension String {
    /// This text padded with spaces to `width` characters, for table columns.
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
