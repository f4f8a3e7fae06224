// quiz-runtime-bench: the Lambda runtime loop (Sources/LambdaRuntime) and the real function
// bootstraps under the real AWS Runtime Interface Emulator (RIE), next to a minimal C libcurl loop
// (runtime-floor) measured in the same run.
//
//   quiz-runtime-bench [--rie PATH] [--invocations 2000] [--warmup 100] [--launches 40] [--function-invocations 200] [--instruction-invocations 500]
//   make bench-runtime
//
// 1. Per invocation: sequential invocations through RIE's invoke API over one keep-alive
//    connection per emulator, the echo bootstrap (EchoFunction) and the floor alternating
//    invocation by invocation (ABBA order), so machine noise falls on both alike: the client's
//    wall time, and the CPU time each bootstrap spent (all its threads, from
//    /proc/PID/task/*/schedstat). Target: echo's CPU per invocation <= 1.2x the floor's.
// 1b. The same two under valgrind's callgrind behind RIE: user-space instructions per invocation
//    over --instruction-invocations after the warm-up (start-up not counted), which load does not
//    move; the ratio is printed beside the CPU time's. Skipped without valgrind.
// 2. Cold start: from launching RIE with the bootstrap to the first response, for the floor, the
//    echo bootstrap and session-function answering GET /health on a SQLite file; the three
//    interleaved (the order rotated every round), median of --launches. Target: echo <= 1.05x
//    the floor. Beside it, the median CPU time each bootstrap itself spent until its first
//    response (schedstat), which the waits of a loaded machine do not lengthen.
// 2b. The instructions of one cold start of each of the two under callgrind (launch to first
//    response, the loader included). Skipped without valgrind.
// 3. Each real function (session, quiz, answer, progress, maintenance) under RIE on a SQLite
//    file: GET /health (maintenance: its scheduled event), CPU per invocation, and its resident
//    memory (VmRSS) after the run. Targets: echo <= 12 MiB, every function <= 16 MiB.
//
// The bootstraps are the release products beside this executable; RIE comes from --rie, else
// .tools/aws-lambda-rie of the working directory (`bash .ci/fetch-rie` installs it there).
import ProcessTools
import CurlHTTP
import Foundation

ChildProcesses.installSignalHandlers()

let usage = "usage: quiz-runtime-bench [--rie PATH] [--invocations N] [--warmup N] [--launches N] [--function-invocations N] [--instruction-invocations N]"
var options = RuntimeBenchmarkOptions()
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    func count() -> Int {
        guard let text = arguments.next(), let value = Int(text), value > 0 else {
            printError("quiz-runtime-bench: \(argument) needs a positive whole number\n\(usage)")
            exit(2)
        }
        return value
    }
    switch argument {
    case "--rie":
        guard let path = arguments.next() else {
            printError("quiz-runtime-bench: --rie needs a path\n\(usage)")
            exit(2)
        }
        options.rie = path
    case "--invocations": options.invocations = count()
    case "--warmup": options.warmup = count()
    case "--launches": options.launches = count()
    case "--function-invocations": options.functionInvocations = count()
    case "--instruction-invocations": options.instructionInvocations = count()
    case "--help", "-h":
        print(usage)
        exit(0)
    default:
        printError("quiz-runtime-bench: unknown argument \(argument)\n\(usage)")
        exit(2)
    }
}

do {
    let met = try RuntimeBenchmark(options: options).run()
    exit(met ? 0 : 1)
} catch {
    printError("quiz-runtime-bench: \(error)")
    exit(2)
}
