// quiz-answer-bench: answer processing and next-question selection, in process, on the SQLite
// backend, with a 10,000-question bank and a 500-entry wrong-answer pool.
//
//   swift run -c release quiz-answer-bench [--answers 20000] [--questions 10000] [--pool 500] [--learners N]
//                                          [--idempotency-keys]
//
// Every answer goes the way a Lambda invocation does: the raw API Gateway event bytes into the
// answer function (decode, route, load session, pool and question, grade, pick and serve the next
// question, one transaction, encode the response, one log line), on the production wiring
// (retries and circuit breaker around the store). Targets: p99 <= 1 ms, >= 5,000 answers/s.
import Foundation
import LambdaRuntime
import QuizBootstrap
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizStore

var answers = 20_000
var questionCount = 10_000
var poolSize = 500
var breakdown = false
var learners: Int?
var idempotencyKeys = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--answers": answers = Int(arguments.next() ?? "") ?? answers
    case "--questions": questionCount = Int(arguments.next() ?? "") ?? questionCount
    case "--pool": poolSize = Int(arguments.next() ?? "") ?? poolSize
    case "--breakdown": breakdown = true
    case "--learners": learners = max(1, Int(arguments.next() ?? "") ?? 2)
    case "--idempotency-keys": idempotencyKeys = true
    default:
        print("usage: quiz-answer-bench [--answers N] [--questions N] [--pool N] [--breakdown] [--learners N] [--idempotency-keys]")
        exit(argument == "--help" ? 0 : 2)
    }
}

if idempotencyKeys, learners != nil {
    print("quiz-answer-bench: --idempotency-keys applies to the one-after-another run, not to --learners")
    exit(2)
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quiz-answer-bench-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

let environment = try await QuizBootstrap.environment(
    from: ["QUIZ_STORE_URL": "sqlite:\(directory)/bench.db", "QUIZ_RANDOM_SEED": "42"], logWriter: { _ in })
let fixture = try await BenchmarkFixture(environment: environment, questions: questionCount, poolSize: poolSize)
print("bank: \(questionCount) questions; pool: \(poolSize) entries; \(answers) answers, 1 in 4 wrong")
if idempotencyKeys { print("each answer with an Idempotency-Key and, from a session's second answer on, expectedVersion") }

if breakdown {
    // On the answers' own thread, as below: from top-level code every store call would hop threads.
    let session = try await fixture.startSession()
    try await withTaskExecutorPreference(InvocationThread()) {
        try await Breakdown.run(fixture: fixture, session: session)
    }
}

// --learners N: N learners answer at the same time in this process; throughput is answers over
// wall-clock time, every session started before the clock starts.
if let learners {
    let run = try await AnswerRun(fixture: fixture).measureConcurrently(learners: learners, answers: answers)
    let sorted = run.latencies.sorted()
    func ms(_ duration: Duration) -> Double { Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15 }
    func at(_ fraction: Double) -> Double { ms(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]) }
    print("\(learners) learners at once, \(sorted.count) answers")
    print(String(format: "latency  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms", at(0.5), at(0.9), at(0.99), ms(sorted.last!)))
    print(String(format: "throughput  %.0f answers/s (wall clock, answers only)", Double(sorted.count) / (ms(run.wall) / 1000)))
    print(String(format: "cpu  %.1f µs per answer (whole process)", ms(run.cpu) * 1000 / Double(sorted.count)))
    print("failed answers: \(run.failures)")
    let met = at(0.99) <= 1.0 && Double(sorted.count) / (ms(run.wall) / 1000) >= 5000 && run.failures == 0
    print("targets (p99 <= 1 ms, >= 5,000 answers/s, no failures): \(met ? "met" : "NOT met")")
    try? FileManager.default.removeItem(atPath: directory)
    exit(met ? 0 : 1)
}

// The loop runs on a thread of its own, the handler's executor preference, as a Lambda
// bootstrap's loop does (`InvocationThread`): awaiting the handler from top-level code would hop
// threads twice per answer, and from the cooperative pool every store call would hop to the
// store's threads and back, neither of which a Lambda's loop does. `--learners N` runs on the
// cooperative pool, as any in-process concurrency does.
let run = try await AnswerRun(fixture: fixture, idempotencyKeys: idempotencyKeys).measure(answers: answers)
var latencies = run.latencies
let measured = run.measured
let wall = run.wall
let failures = run.failures

latencies.sort()
func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}
let sorted = latencies
func percentile(_ fraction: Double) -> Double { milliseconds(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]) }
let throughput = Double(answers) / (milliseconds(measured) / 1000)
print(String(format: "latency  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms", percentile(0.5), percentile(0.9), percentile(0.99), milliseconds(latencies.last!)))
// `wall` also holds the benchmark's own work between answers (a new session and the pool put
// back to its 500 entries every 10 answers, the responses parsed with Foundation): not answers.
print(String(format: "throughput  %.0f answers/s in the handler (%.0f/s counting the benchmark's session and pool re-seeding between answers)", throughput, Double(answers) / (milliseconds(wall) / 1000)))
print(String(format: "cpu  %.1f µs per answer in the handler (thread CPU time; unaffected by other processes' load)", milliseconds(run.cpu) * 1000 / Double(max(1, answers - run.cpuSamplesLost))))
print("pool size at the end: \(try await fixture.poolCount()); failed answers: \(failures)")
let met = percentile(0.99) <= 1.0 && throughput >= 5000 && failures == 0
print("targets (p99 <= 1 ms, >= 5,000 answers/s, no failures): \(met ? "met" : "NOT met")")
// `exit` skips top-level `defer`s: remove the database (and its WAL, tens of MB) here.
try? FileManager.default.removeItem(atPath: directory)
exit(met ? 0 : 1)
