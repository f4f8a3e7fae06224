import BenchmarkSupport
import Foundation
import ProcessTools

/// The answer function in process, measured in the same run as `serve`: `quiz-answer-bench`
/// (the release build beside this benchmark), whose answers/s in the handler is what the
/// runner's answers/s is compared with.
struct InProcessBaseline {
    /// Answers per second in the handler.
    var answersPerSecond: Double
    /// CPU per answer in the handler, in microseconds.
    var cpuMicroseconds: Double?
    /// The latency line it printed.
    var latency: String
    /// The load average when it ran.
    var load: String

    /// Runs `quiz-answer-bench --answers N` (with `--idempotency-keys`: each answer as the
    /// learners send it) and reads its figures.
    static func measure(answers: Int, idempotencyKeys: Bool = false) throws -> InProcessBaseline {
        let bench = try Executables.product("quiz-answer-bench")
        let load = LoadAverage.now
        let result = try ProgramRun.run(bench, ["--answers", String(answers)] + (idempotencyKeys ? ["--idempotency-keys"] : []))
        // It exits 1 when its own targets are not met, which says nothing about this run.
        guard result.status == 0 || result.status == 1 else {
            throw ToolFailure("quiz-answer-bench exited \(result.status): \(result.errors.suffix(500))")
        }
        let lines = result.output.split(separator: "\n")
        guard let throughput = lines.first(where: { $0.hasPrefix("throughput") }),
            let rate = throughput.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Double($0) })
        else {
            throw ToolFailure("quiz-answer-bench printed no throughput:\n\(result.output.suffix(1000))")
        }
        let cpu = lines.first { $0.hasPrefix("cpu") }?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first
            .flatMap { Double($0) }
        let latency = lines.first { $0.hasPrefix("latency") }.map(String.init) ?? ""
        return InProcessBaseline(answersPerSecond: rate, cpuMicroseconds: cpu, latency: latency, load: load)
    }
}

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` gives them.
enum LoadAverage {
    static var now: String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    }
}

/// CPU time of processes from `/proc/PID/stat` (`utime` + `stime`), to split a run's cost
/// between the runner, its workers and the clients.
enum ProcessCPU {
    /// Clock ticks per second of `/proc/PID/stat`'s times.
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// The CPU seconds `pid` has used so far, 0 once it has gone.
    static func seconds(of pid: pid_t) -> Double {
        guard let stat = ProcessTable.procFile("/proc/\(pid)/stat"), let end = stat.lastIndex(of: ")") else { return 0 }
        // After "pid (comm)": state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / ticksPerSecond
    }

    /// The CPU seconds of this process, every thread.
    static var own: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
