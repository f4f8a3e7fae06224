import BenchmarkSupport
import CurlHTTP
import Foundation
import ProcessTools

extension RuntimeBenchmark {
    /// Section 1: the echo bootstrap and the C floor, invocation by invocation.
    struct SteadyState {
        var echo: LatencySummary
        var floor: LatencySummary
        /// CPU time each bootstrap spent per measured invocation.
        var echoCPU: Duration
        var floorCPU: Duration
        var echoMemory: ResidentMemory
        var floorMemory: ResidentMemory
    }

    /// Warm-up, then `invocations` per bootstrap, alternating; each bootstrap's CPU time over the
    /// measured invocations; then each bootstrap's memory.
    func measureInvocations() throws -> SteadyState {
        print("1. per invocation under RIE: \(options.invocations) sequential invocations per bootstrap after \(options.warmup) warm-up, alternating, one keep-alive connection each")
        let emulators = [
            try Emulator(rie: rie, bootstrap: echo, environment: Self.deployedEnvironment, logDirectory: directory),
            try Emulator(rie: rie, bootstrap: floor, environment: Self.deployedEnvironment, logDirectory: directory),
        ]
        defer { emulators.forEach { $0.stop() } }
        for emulator in emulators {
            try check(emulator.invokeWhenListening(Self.echoEvent(0)), echoing: Self.echoEvent(0), from: emulator)
            // Known from now on, so an interrupted run kills it too.
            _ = emulator.bootstrapPID
        }
        let pids = try emulators.map { emulator in
            guard let pid = emulator.bootstrapPID else { throw ToolFailure("\(emulator.bootstrapName) is not running:\n\(emulator.logTail)") }
            return pid
        }

        var samples: [[Duration]] = [[], []]
        samples[0].reserveCapacity(options.invocations)
        samples[1].reserveCapacity(options.invocations)
        var cpuAtStart: [Duration] = [.zero, .zero]
        let clock = ContinuousClock()
        for round in 0..<(options.warmup + options.invocations) {
            if round == options.warmup {
                cpuAtStart = pids.map { ProcessTable.cpuTime(of: $0) ?? .zero }
            }
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
        let cpu = zip(pids, cpuAtStart).map { pid, start in ((ProcessTable.cpuTime(of: pid) ?? start) - start) / options.invocations }
        guard let ours = LatencySummary(samples[0]), let theirs = LatencySummary(samples[1]) else {
            throw ToolFailure("no invocations were measured")
        }
        let memory = try emulators.map { emulator in
            guard let pid = emulator.bootstrapPID, let memory = ProcessTable.memory(of: pid) else {
                throw ToolFailure("\(emulator.bootstrapName) is not running under RIE after the run:\n\(emulator.logTail)")
            }
            return memory
        }

        print("   bootstrap        mean      p50      p90      p99      max   (µs per invocation, client to RIE and back)   CPU µs per invocation (bootstrap)")
        for (index, (name, summary)) in [("EchoFunction", ours), ("runtime-floor (C)", theirs)].enumerated() {
            print("   " + name.padded(17) + String(format: " %6.1f   %6.1f   %6.1f   %6.1f   %6.1f   %40.1f", summary.mean.microseconds, summary.p50.microseconds, summary.p90.microseconds, summary.p99.microseconds, summary.max.microseconds, cpu[index].microseconds))
        }
        print(String(format: "   ours / floor:    %5.2fx   %5.2fx   %5.2fx   %5.2fx            %40.2fx", ours.mean.microseconds / theirs.mean.microseconds, ours.p50.microseconds / theirs.p50.microseconds, ours.p90.microseconds / theirs.p90.microseconds, ours.p99.microseconds / theirs.p99.microseconds, cpu[0].microseconds / cpu[1].microseconds))
        print("   memory after the run (bootstrap waiting in next):")
        print("     EchoFunction       \(memory[0].description)")
        print("     runtime-floor (C)  \(memory[1].description)")
        for (name, pid) in zip(["EchoFunction", "runtime-floor (C)"], pids) {
            let largest = ProcessTable.residentByMapping(of: pid).prefix(6)
            print("     \(name)'s largest resident mappings: " + largest.map { $0.name + String(format: " %.1f", Double($0.kiB) / 1024) }.joined(separator: ", ") + " (MiB)")
        }
        return SteadyState(echo: ours, floor: theirs, echoCPU: cpu[0], floorCPU: cpu[1], echoMemory: memory[0], floorMemory: memory[1])
    }

    // MARK: - 2. Cold start

    struct ColdStarts {
        var floor: Duration
        var echo: Duration
        var session: Duration
        /// The CPU time the bootstrap itself spent from its launch to the first response
        /// (median): the cold start's own work, without the waits a loaded machine adds.
        var floorCPU: Duration
        var echoCPU: Duration
    }

    /// One unmeasured launch per bootstrap, then `launches` measured ones, round-robin.
    func measureColdStarts() throws -> ColdStarts {
        print("2. cold start: launch RIE with the bootstrap -> first response (RIE starts the bootstrap at the first invocation); median of \(options.launches), interleaved, the order rotated every round")
        let storeURL = "sqlite:\(directory)/cold.db"
        let cases: [(name: String, bootstrap: String, environment: [String: String], event: [UInt8], check: ([UInt8]) -> String?)] = [
            ("runtime-floor (C)", floor, [:], Self.echoEvent(0), { $0 == Self.echoEvent(0) ? nil : "the floor did not echo the event" }),
            ("EchoFunction", echo, [:], Self.echoEvent(0), { $0 == Self.echoEvent(0) ? nil : "EchoFunction did not echo the event" }),
            ("session-function", functionBootstraps[0], ["QUIZ_STORE_URL": storeURL], Self.healthEvent, Self.healthFailure),
        ]
        var samples = Array(repeating: [Duration](), count: cases.count)
        var cpuSamples = Array(repeating: [Duration](), count: cases.count)
        let clock = ContinuousClock()
        // Launch 0 is not measured: it creates the SQLite file's tables, and pulls the
        // binaries and libraries into the page cache, as any warm host has them.
        var relaunches = 0
        for launch in 0...options.launches {
            // Each round starts with another bootstrap, so none always follows the same one (and
            // the teardown of its process and emulator on the other core).
            for index in (0..<cases.count).map({ ($0 + launch) % cases.count }) {
                let item = cases[index]
                // A launch can lose its loopback ports to another process between picking and
                // binding them (the emulator then answers 502 at once): that launch is not a
                // measurement of the bootstrap, so it is made again, twice at most.
                var attempt = 0
                while true {
                    let start = clock.now
                    let emulator = try Emulator(
                        rie: rie, bootstrap: item.bootstrap, environment: item.environment.merging(Self.deployedEnvironment) { $1 },
                        logDirectory: directory)
                    let response = try emulator.invokeWhenListening(item.event)
                    let elapsed = start.duration(to: clock.now)
                    let cpu = emulator.bootstrapPID.flatMap { ProcessTable.cpuTime(of: $0) }
                    emulator.stop()
                    guard response.status == 200 else {
                        attempt += 1
                        guard attempt <= 2 else {
                            throw ToolFailure("\(item.name): the first invocation answered \(response.status):\n\(emulator.logTail)")
                        }
                        relaunches += 1
                        continue
                    }
                    if let problem = item.check(response.body) {
                        throw ToolFailure("\(item.name): \(problem):\n\(String(decoding: response.body.prefix(500), as: UTF8.self))\n\(emulator.logTail)")
                    }
                    try? FileManager.default.removeItem(atPath: emulator.logPath)
                    if launch > 0 {
                        samples[index].append(elapsed)
                        if let cpu { cpuSamples[index].append(cpu) }
                    }
                    break
                }
            }
        }
        if relaunches > 0 {
            print("   (\(relaunches) launch(es) made again after the emulator failed to start the bootstrap)")
        }
        print("   bootstrap           median      min      max   (ms, launch -> first response)   bootstrap's CPU ms, median")
        var medians: [Duration] = []
        var cpuMedians: [Duration] = []
        for (index, item) in cases.enumerated() {
            guard let summary = LatencySummary(samples[index]), let cpu = LatencySummary(cpuSamples[index]) else {
                throw ToolFailure("no launches were measured")
            }
            medians.append(summary.p50)
            cpuMedians.append(cpu.p50)
            print("   " + item.name.padded(18) + String(format: " %7.1f  %7.1f  %7.1f   %34.2f", summary.p50.milliseconds, summary.min.milliseconds, summary.max.milliseconds, cpu.p50.milliseconds))
        }
        print(String(format: "   echo / floor: %.2fx (CPU %.2fx), session-function / floor: %.2fx (CPU %.2fx)", medians[1].milliseconds / medians[0].milliseconds, cpuMedians[1].milliseconds / cpuMedians[0].milliseconds, medians[2].milliseconds / medians[0].milliseconds, cpuMedians[2].milliseconds / cpuMedians[0].milliseconds))
        return ColdStarts(floor: medians[0], echo: medians[1], session: medians[2], floorCPU: cpuMedians[0], echoCPU: cpuMedians[1])
    }

    // MARK: - 3. The real functions

    struct FunctionRun {
        var name: String
        var latency: LatencySummary
        var cpu: Duration
        var memory: ResidentMemory
    }

    /// Each real function under RIE on a SQLite file: `GET /health` (maintenance: its schedule)
    /// `functionInvocations` times, then its CPU per invocation and its memory.
    func measureFunctions() throws -> [FunctionRun] {
        print("3. the real functions under RIE on a SQLite file: \(options.functionInvocations) GET /health API Gateway v2 events each (maintenance: its scheduled event), after 20 warm-up")
        print("   bootstrap              p50 µs   mean µs   CPU µs/inv    VmRSS MiB (anon + file)   largest resident mappings (MiB)")
        var runs: [FunctionRun] = []
        for (name, bootstrap) in zip(Self.functions, functionBootstraps) {
            let event = name == "maintenance" ? Self.scheduledEvent : Self.healthEvent
            let failure = name == "maintenance" ? Self.maintenanceFailure : Self.healthFailure
            let emulator = try Emulator(
                rie: rie, bootstrap: bootstrap, environment: Self.deployedEnvironment.merging(["QUIZ_STORE_URL": "sqlite:\(directory)/function.db"]) { $1 },
                logDirectory: directory)
            defer { emulator.stop() }
            let first = try emulator.invokeWhenListening(event)
            if let problem = failure(first.body) {
                throw ToolFailure("\(name)-function: \(problem):\n\(emulator.logTail)")
            }
            guard let pid = emulator.bootstrapPID else { throw ToolFailure("\(name)-function is not running:\n\(emulator.logTail)") }
            for _ in 0..<20 { _ = try emulator.invoke(event) }
            let cpuAtStart = ProcessTable.cpuTime(of: pid) ?? .zero
            var samples: [Duration] = []
            let clock = ContinuousClock()
            for _ in 0..<options.functionInvocations {
                let start = clock.now
                let response = try emulator.invoke(event)
                samples.append(start.duration(to: clock.now))
                if let problem = failure(response.body) {
                    throw ToolFailure("\(name)-function: \(problem):\n\(emulator.logTail)")
                }
            }
            guard let latency = LatencySummary(samples), let cpuAtEnd = ProcessTable.cpuTime(of: pid), let memory = ProcessTable.memory(of: pid) else {
                throw ToolFailure("\(name)-function is not running under RIE after the run:\n\(emulator.logTail)")
            }
            let cpu = (cpuAtEnd - cpuAtStart) / options.functionInvocations
            let largest = ProcessTable.residentByMapping(of: pid).prefix(5)
            print("   " + "\(name)-function".padded(21) + String(format: " %7.1f  %8.1f  %11.1f   %5.1f (%4.1f + %4.1f)   ", latency.p50.microseconds, latency.mean.microseconds, cpu.microseconds, memory.rssMiB, Double(memory.anonymousKiB) / 1024, Double(memory.fileKiB) / 1024) + largest.map { $0.name + String(format: " %.1f", Double($0.kiB) / 1024) }.joined(separator: ", "))
            runs.append(FunctionRun(name: "\(name)-function", latency: latency, cpu: cpu, memory: memory))
        }
        return runs
    }
}
