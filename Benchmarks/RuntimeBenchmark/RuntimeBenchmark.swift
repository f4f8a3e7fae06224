import BenchmarkSupport
import ProcessTools
import CurlHTTP
import Foundation

/// What to run, from the command line.
struct RuntimeBenchmarkOptions {
    /// The emulator; `nil` looks in `.tools/aws-lambda-rie` of the working directory.
    var rie: String?
    /// Measured invocations per bootstrap.
    var invocations = 2_000
    /// Unmeasured invocations per bootstrap first: connections made, pages touched, caches warm.
    var warmup = 100
    /// Measured cold starts per bootstrap (after one unmeasured launch each).
    var launches = 10
    /// GET /health invocations of the real function before its memory is read.
    var functionInvocations = 200
}

/// The three measurements, run in order; see `main.swift`.
struct RuntimeBenchmark {
    /// Per-invocation target: our loop's mean and median within this factor of the floor's.
    static let ratioTarget = 1.3
    /// Resident-memory target for each Swift bootstrap, in MiB.
    static let memoryTargetMiB = 20.0

    let options: RuntimeBenchmarkOptions
    let rie: String
    let echo: String
    let floor: String
    let session: String
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
        session = try Executables.product("session-function")
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
        let cold = try measureColdStarts()
        print()
        let function = try measureFunction()
        print()

        let ratioMean = steady.echo.mean.microseconds / steady.floor.mean.microseconds
        let ratioMedian = steady.echo.p50.microseconds / steady.floor.p50.microseconds
        let ratioMet = ratioMean <= Self.ratioTarget && ratioMedian <= Self.ratioTarget
        let echoMemoryMet = steady.echoMemory.rssMiB < Self.memoryTargetMiB
        let functionMemoryMet = function.memory.rssMiB < Self.memoryTargetMiB
        print("summary")
        print(String(format: "  per invocation, ours / floor: mean %.2fx, p50 %.2fx (target <= %.1fx): ", ratioMean, ratioMedian, Self.ratioTarget) + (ratioMet ? "met" : "NOT met"))
        print(String(format: "  cold start to first response, median: floor %.1f ms, echo %.1f ms, session-function %.1f ms", cold.floor.milliseconds, cold.echo.milliseconds, cold.session.milliseconds))
        print(String(format: "  VmRSS after the run: EchoFunction %.1f MiB (target < %.0f MiB): ", steady.echoMemory.rssMiB, Self.memoryTargetMiB) + (echoMemoryMet ? "met" : "NOT met"))
        print(String(format: "  VmRSS after the run: session-function %.1f MiB (target < %.0f MiB): ", function.memory.rssMiB, Self.memoryTargetMiB) + (functionMemoryMet ? "met" : "NOT met"))
        succeeded = true
        return ratioMet && echoMemoryMet && functionMemoryMet
    }

    // MARK: - 1. Per invocation

    struct SteadyState {
        var echo: LatencySummary
        var floor: LatencySummary
        var echoMemory: ResidentMemory
        var floorMemory: ResidentMemory
    }

    /// Warm-up, then `invocations` per bootstrap, alternating; then each bootstrap's memory.
    func measureInvocations() throws -> SteadyState {
        print("1. per-invocation time under RIE: \(options.invocations) sequential invocations per bootstrap after \(options.warmup) warm-up, alternating, one keep-alive connection each")
        let emulators = [
            try Emulator(rie: rie, bootstrap: echo, logDirectory: directory),
            try Emulator(rie: rie, bootstrap: floor, logDirectory: directory),
        ]
        defer { emulators.forEach { $0.stop() } }
        for emulator in emulators {
            try check(emulator.invokeWhenListening(Self.echoEvent(0)), echoing: Self.echoEvent(0), from: emulator)
            // Known from now on, so an interrupted run kills it too.
            _ = emulator.bootstrapPID
        }

        var samples: [[Duration]] = [[], []]
        samples[0].reserveCapacity(options.invocations)
        samples[1].reserveCapacity(options.invocations)
        let clock = ContinuousClock()
        for round in 0..<(options.warmup + options.invocations) {
            let event = Self.echoEvent(round + 1)
            // ABBA: each bootstrap goes first in every other round, so neither always runs
            // right after the other's process was scheduled.
            for index in round.isMultiple(of: 2) ? [0, 1] : [1, 0] {
                let start = clock.now
                let response = try emulators[index].invoke(event)
                let elapsed = start.duration(to: clock.now)
                try check(response, echoing: event, from: emulators[index])
                if round >= options.warmup {
                    samples[index].append(elapsed)
                }
            }
        }
        guard let ours = LatencySummary(samples[0]), let theirs = LatencySummary(samples[1]) else {
            throw ToolFailure("no invocations were measured")
        }
        let memory = try emulators.map { emulator in
            guard let pid = emulator.bootstrapPID, let memory = ProcessTable.memory(of: pid) else {
                throw ToolFailure("\(emulator.bootstrapName) is not running under RIE after the run:\n\(emulator.logTail)")
            }
            return memory
        }

        print("   bootstrap        mean      p50      p90      p99      max   (µs per invocation, client to RIE and back)")
        for (name, summary) in [("EchoFunction", ours), ("runtime-floor (C)", theirs)] {
            print("   " + name.padded(17) + String(format: " %6.1f   %6.1f   %6.1f   %6.1f   %6.1f", summary.mean.microseconds, summary.p50.microseconds, summary.p90.microseconds, summary.p99.microseconds, summary.max.microseconds))
        }
        print(String(format: "   ours / floor:    %5.2fx   %5.2fx   %5.2fx   %5.2fx", ours.mean.microseconds / theirs.mean.microseconds, ours.p50.microseconds / theirs.p50.microseconds, ours.p90.microseconds / theirs.p90.microseconds, ours.p99.microseconds / theirs.p99.microseconds))
        print(String(format: "   ours - floor:    %+6.1f µs at the mean, %+6.1f µs at p50", ours.mean.microseconds - theirs.mean.microseconds, ours.p50.microseconds - theirs.p50.microseconds))
        print("   memory after the run (bootstrap waiting in next):")
        print("     EchoFunction       \(memory[0].description)")
        print("     runtime-floor (C)  \(memory[1].description)")
        if let pid = emulators[0].bootstrapPID {
            let largest = ProcessTable.residentByMapping(of: pid).prefix(6)
            print("     EchoFunction's largest resident mappings: " + largest.map { $0.name + String(format: " %.1f", Double($0.kiB) / 1024) }.joined(separator: ", ") + " (MiB)")
        }
        return SteadyState(echo: ours, floor: theirs, echoMemory: memory[0], floorMemory: memory[1])
    }

    // MARK: - 2. Cold start

    struct ColdStarts {
        var floor: Duration
        var echo: Duration
        var session: Duration
    }

    /// One unmeasured launch per bootstrap, then `launches` measured ones, round-robin.
    func measureColdStarts() throws -> ColdStarts {
        print("2. cold start: launch RIE with the bootstrap -> first response (RIE starts the bootstrap at the first invocation); median of \(options.launches), interleaved")
        let storeURL = "sqlite:\(directory)/cold.db"
        let cases: [(name: String, bootstrap: String, environment: [String: String], event: [UInt8], check: ([UInt8]) -> String?)] = [
            ("runtime-floor (C)", floor, [:], Self.echoEvent(0), { $0 == Self.echoEvent(0) ? nil : "the floor did not echo the event" }),
            ("EchoFunction", echo, [:], Self.echoEvent(0), { $0 == Self.echoEvent(0) ? nil : "EchoFunction did not echo the event" }),
            ("session-function", session, ["QUIZ_STORE_URL": storeURL], Self.healthEvent, Self.healthFailure),
        ]
        var samples = Array(repeating: [Duration](), count: cases.count)
        let clock = ContinuousClock()
        // Launch 0 is not measured: it creates the SQLite file's tables, and pulls the
        // binaries and libraries into the page cache, as any warm host has them.
        for launch in 0...options.launches {
            for (index, item) in cases.enumerated() {
                let start = clock.now
                let emulator = try Emulator(rie: rie, bootstrap: item.bootstrap, environment: item.environment, logDirectory: directory)
                let response = try emulator.invokeWhenListening(item.event)
                let elapsed = start.duration(to: clock.now)
                emulator.stop()
                guard response.status == 200 else {
                    throw ToolFailure("\(item.name): the first invocation answered \(response.status):\n\(emulator.logTail)")
                }
                if let problem = item.check(response.body) {
                    throw ToolFailure("\(item.name): \(problem):\n\(String(decoding: response.body.prefix(500), as: UTF8.self))\n\(emulator.logTail)")
                }
                try? FileManager.default.removeItem(atPath: emulator.logPath)
                if launch > 0 {
                    samples[index].append(elapsed)
                }
            }
        }
        print("   bootstrap           median      min      max   (ms, launch -> first response)")
        var medians: [Duration] = []
        for (index, item) in cases.enumerated() {
            guard let summary = LatencySummary(samples[index]) else { throw ToolFailure("no launches were measured") }
            medians.append(summary.p50)
            print("   " + item.name.padded(18) + String(format: " %7.1f  %7.1f  %7.1f", summary.p50.milliseconds, summary.min.milliseconds, summary.max.milliseconds))
        }
        return ColdStarts(floor: medians[0], echo: medians[1], session: medians[2])
    }

    // MARK: - 3. A real function

    struct FunctionRun {
        var latency: LatencySummary
        var memory: ResidentMemory
    }

    /// session-function under RIE answering GET /health, then its memory.
    func measureFunction() throws -> FunctionRun {
        print("3. session-function under RIE: \(options.functionInvocations) GET /health API Gateway v2 events on a SQLite file, then its memory")
        let emulator = try Emulator(
            rie: rie, bootstrap: session, environment: ["QUIZ_STORE_URL": "sqlite:\(directory)/function.db"], logDirectory: directory)
        defer { emulator.stop() }
        let first = try emulator.invokeWhenListening(Self.healthEvent)
        _ = emulator.bootstrapPID
        if let problem = Self.healthFailure(first.body) {
            throw ToolFailure("session-function: \(problem):\n\(emulator.logTail)")
        }
        var samples: [Duration] = []
        let clock = ContinuousClock()
        for _ in 0..<options.functionInvocations {
            let start = clock.now
            let response = try emulator.invoke(Self.healthEvent)
            samples.append(start.duration(to: clock.now))
            if let problem = Self.healthFailure(response.body) {
                throw ToolFailure("session-function: \(problem):\n\(emulator.logTail)")
            }
        }
        guard let latency = LatencySummary(samples), let pid = emulator.bootstrapPID, let memory = ProcessTable.memory(of: pid) else {
            throw ToolFailure("session-function is not running under RIE after the run:\n\(emulator.logTail)")
        }
        print(String(format: "   GET /health per invocation: mean %.1f µs, p50 %.1f µs, p99 %.1f µs", latency.mean.microseconds, latency.p50.microseconds, latency.p99.microseconds))
        print("   session-function   \(memory.description)")
        let largest = ProcessTable.residentByMapping(of: pid).prefix(8)
        print("   largest resident mappings: " + largest.map { $0.name + String(format: " %.1f", Double($0.kiB) / 1024) }.joined(separator: ", ") + " (MiB)")
        return FunctionRun(latency: latency, memory: memory)
    }

    // MARK: - Events and checks

    /// A small JSON event (~100 bytes, the size of a small API request), numbered so that an
    /// answer to an earlier invocation cannot pass for this one's.
    static func echoEvent(_ number: Int) -> [UInt8] {
        Array(#"{"version":"2.0","routeKey":"GET /health","rawPath":"/health","invocation":\#(number)}"#.utf8)
    }

    /// `functions/session/events/25-health.json`, compact: an API Gateway HTTP API (payload
    /// v2) event for `GET /health`, which needs no caller.
    static let healthEvent = Array(
        #"{"version":"2.0","routeKey":"GET /health","rawPath":"/health","rawQueryString":"","headers":{"host":"localhost:3000","user-agent":"quiz-runtime-bench"},"requestContext":{"accountId":"123456789012","apiId":"quizapi","domainName":"localhost","domainPrefix":"localhost","http":{"method":"GET","path":"/health","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"quiz-runtime-bench"},"requestId":"bench-health","routeKey":"GET /health","stage":"$default","time":"15/Jan/2027:08:00:00 +0000","timeEpoch":1800000000000},"isBase64Encoded":false}"#
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

    /// Throws unless the emulator answered 200 with `event` itself.
    func check(_ response: HTTPResponse, echoing event: [UInt8], from emulator: Emulator) throws {
        guard response.status == 200, response.body == event else {
            throw ToolFailure(
                "\(emulator.bootstrapName) answered \(response.status) with \(String(decoding: response.body.prefix(300), as: UTF8.self)):\n\(emulator.logTail)")
        }
    }
}

extension String {
    /// This text padded with spaces to `width` characters, for table columns.
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
