import Foundation
import ProcessTools

#if canImport(Glibc)
import Glibc
#endif

extension RuntimeBenchmark {
    /// User-space instructions per invocation of the echo bootstrap and of the C floor, which
    /// the machine's load does not move, unlike their CPU time.
    struct InstructionCounts {
        var echo: Double
        var floor: Double
    }

    /// Section 1b: each of the two under valgrind's callgrind behind the emulator; after the
    /// warm-up the counters are zeroed (`callgrind_control --zero`), so start-up is not counted,
    /// then `instructionInvocations` invocations and a dump. `nil` (and a note) without valgrind:
    /// `make bench-runtime` installs it.
    func measureInstructions() throws -> InstructionCounts? {
        guard let valgrind = Self.onPath("valgrind"), let control = Self.onPath("callgrind_control") else {
            print("1b. instructions per invocation: skipped, no valgrind on PATH (make bench-runtime installs it)")
            return nil
        }
        print("1b. user-space instructions per invocation under callgrind: \(options.instructionInvocations) after \(options.warmup) warm-up, start-up not counted")
        var counts: [Double] = []
        for (name, bootstrap) in [("EchoFunction", echo), ("runtime-floor", floor)] {
            let output = "\(directory)/callgrind.\(name).out"
            let emulator = try Emulator(
                rie: rie, bootstrap: valgrind,
                arguments: ["--tool=callgrind", "--dump-instr=no", "--callgrind-out-file=\(output)", bootstrap],
                environment: Self.deployedEnvironment, logDirectory: directory)
            defer { emulator.stop() }
            try check(emulator.invokeWhenListening(Self.echoEvent(0), within: .seconds(120)), echoing: Self.echoEvent(0), from: emulator)
            for round in 1..<options.warmup {
                try check(emulator.invoke(Self.echoEvent(round)), echoing: Self.echoEvent(round), from: emulator)
            }
            guard let pid = emulator.bootstrapPID else { throw ToolFailure("\(name) is not running under callgrind:\n\(emulator.logTail)") }
            try Self.run(control, ["--zero", String(pid)])
            for round in 0..<options.instructionInvocations {
                let event = Self.echoEvent(options.warmup + round)
                try check(emulator.invoke(event), echoing: event, from: emulator)
            }
            try Self.run(control, ["--dump", String(pid)])
            counts.append(try Self.totalInstructions(inProfile: output + ".1") / Double(options.instructionInvocations))
        }
        print("   bootstrap            instructions per invocation")
        print("   EchoFunction       " + String(format: "%12.0f", counts[0]))
        print("   runtime-floor (C)  " + String(format: "%12.0f", counts[1]))
        print(String(format: "   ours / floor:      %12.2fx", counts[0] / counts[1]))
        return InstructionCounts(echo: counts[0], floor: counts[1])
    }

    /// Section 2b: the instructions of a cold start, from the bootstrap's first instruction (the
    /// loader's) to its first response, each of the two launched under callgrind behind the
    /// emulator. `nil` without valgrind.
    func measureStartupInstructions() throws -> InstructionCounts? {
        guard let valgrind = Self.onPath("valgrind"), let control = Self.onPath("callgrind_control") else {
            print("2b. instructions of a cold start: skipped, no valgrind on PATH (make bench-runtime installs it)")
            return nil
        }
        print("2b. user-space instructions of a cold start under callgrind: launch -> first response, loader included")
        var counts: [Double] = []
        for (name, bootstrap) in [("EchoFunction", echo), ("runtime-floor", floor)] {
            let output = "\(directory)/callgrind-start.\(name).out"
            let emulator = try Emulator(
                rie: rie, bootstrap: valgrind,
                arguments: ["--tool=callgrind", "--dump-instr=no", "--callgrind-out-file=\(output)", bootstrap],
                environment: Self.deployedEnvironment, logDirectory: directory)
            defer { emulator.stop() }
            try check(emulator.invokeWhenListening(Self.echoEvent(0), within: .seconds(120)), echoing: Self.echoEvent(0), from: emulator)
            guard let pid = emulator.bootstrapPID else { throw ToolFailure("\(name) is not running under callgrind:\n\(emulator.logTail)") }
            try Self.run(control, ["--dump", String(pid)])
            counts.append(try Self.totalInstructions(inProfile: output + ".1"))
        }
        print(String(format: "   EchoFunction %.2f million, runtime-floor (C) %.2f million: %.2fx", counts[0] / 1e6, counts[1] / 1e6, counts[0] / counts[1]))
        return InstructionCounts(echo: counts[0], floor: counts[1])
    }

    /// The `totals:` (or `summary:`) of a callgrind profile, waiting up to 30 s for the dump.
    static func totalInstructions(inProfile path: String) throws -> Double {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("totals:") || $0.hasPrefix("summary:") }),
                let value = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
            {
                return value
            }
            usleep(100_000)
        }
        throw ToolFailure("no callgrind totals in \(path)")
    }

    /// The first executable called `name` in a folder of `PATH`.
    static func onPath(_ name: String) -> String? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `tool` with `arguments` and waits; throws unless it exits 0.
    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        // callgrind_control says what it sends; only its status matters here.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw ToolFailure("\(tool) \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
    }
}
