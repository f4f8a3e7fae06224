// quiz-draw-bench: starting a session (`POST /sessions`) from a small bank and from a large one,
// in process, on the SQLite backend, with the production wiring (retries and circuit breaker).
//
//   swift run -c release quiz-draw-bench [--small 200] [--large 50000] [--starts 600] [--questions-per-session 10]
//
// Both banks live in the same file, and starts alternate between them (whole bank, then one of
// its 20 categories), so load on the machine falls on both alike. A start draws its questions
// from ordinal slots (docs/data-layer.md, "Drawing a session"): its reads do not grow with the
// bank. Target: start p50 with the large bank within 1.5x of the small one. For scale, the
// whole-index read that starts made before is timed too.
import BenchmarkSupport
import Foundation
import LambdaRuntime
import QuizBootstrap
import QuizData
import QuizFunctions
import QuizHTTP

var small = 200
var large = 50_000
var starts = 600
var perSession = 10
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--small": small = max(20, Int(arguments.next() ?? "") ?? small)
    case "--large": large = max(20, Int(arguments.next() ?? "") ?? large)
    case "--starts": starts = max(10, Int(arguments.next() ?? "") ?? starts)
    case "--questions-per-session": perSession = min(100, max(1, Int(arguments.next() ?? "") ?? perSession))
    default:
        print("usage: quiz-draw-bench [--small N] [--large N] [--starts N] [--questions-per-session N]")
        exit(argument == "--help" ? 0 : 2)
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quiz-draw-bench-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let environment = try await QuizBootstrap.environment(
    from: ["QUIZ_STORE_URL": "sqlite:\(directory)/bench.db", "QUIZ_RANDOM_SEED": "42"], logWriter: { _ in })

/// Imports `count` questions over 20 categories, in uploads of 5,000 (the import limit).
func importBank(_ bankId: String, count: Int) async throws -> Duration {
    let quiz = QuizFunction(environment: environment)
    let clock = ContinuousClock()
    let started = clock.now
    for start in stride(from: 0, to: count, by: 5000) {
        let rows = (start..<min(start + 5000, count)).map { index in
            #"{"id":"q\#(index)","category":"c\#(index % 20)","text":"Question \#(index)?","answers":[{"id":"a","text":"one"},{"id":"b","text":"two"},{"id":"c","text":"three"}],"correctAnswers":["b"]}"#
        }
        let response = await quiz.handle(
            HTTPRequestEvent(
                method: .post, path: "/banks/\(bankId)/questions", headers: ["content-type": "application/x-ndjson"],
                body: Data(rows.joined(separator: "\n").utf8), requestId: "import-\(bankId)-\(start)",
                claims: ["sub": "author", "cognito:groups": "[authors]"]),
            context: InvocationContext(requestId: "import"))
        guard response.statusCode == 201 else { throw BenchmarkError(description: "import failed: \(response.body.prefix(300))") }
    }
    return clock.now - started
}

let smallImport = try await importBank("small", count: small)
let largeImport = try await importBank("large", count: large)
print(String(format: "banks: %d questions (imported in %.0f ms), %d questions (imported in %.0f ms), 20 categories each", small,
             smallImport.milliseconds, large, largeImport.milliseconds))

/// Starts, alternating between the banks, on a thread of their own as a Lambda bootstrap runs them.
func measureStarts(category: String?, starts: Int, perSession: Int) async throws -> (small: LatencySummary, large: LatencySummary) {
    try await withTaskExecutorPreference(InvocationThread()) {
        let function = SessionFunction(environment: environment)
        let clock = ContinuousClock()
        var samples: [String: [Duration]] = ["small": [], "large": []]
        for index in 0..<(starts + 20) {
            let bankId = index % 2 == 0 ? "small" : "large"
            var body = #"{"bankId":"\#(bankId)","questionCount":\#(perSession)"#
            if let category { body += #","category":"\#(category)""# }
            let request = HTTPRequestEvent(
                method: .post, path: "/sessions", headers: ["content-type": "application/json"], body: Data((body + "}").utf8),
                requestId: "start-\(index)", claims: ["sub": "learner-\(index % 50)"])
            let before = clock.now
            let response = await function.handle(request, context: InvocationContext(requestId: "start-\(index)"))
            let elapsed = clock.now - before
            guard response.statusCode == 201 else { throw BenchmarkError(description: "start failed: \(response.body.prefix(300))") }
            // The first 20 warm the caches and the statements up.
            if index >= 20 { samples[bankId]?.append(elapsed) }
        }
        guard let small = LatencySummary(samples["small"]!), let large = LatencySummary(samples["large"]!) else {
            throw BenchmarkError(description: "no samples")
        }
        return (small, large)
    }
}

func report(_ label: String, _ result: (small: LatencySummary, large: LatencySummary), small: Int, large: Int) -> Double {
    let ratio = result.large.p50.milliseconds / result.small.p50.milliseconds
    print(String(format: "POST /sessions, %@: p50 %.3f ms (%d questions) vs %.3f ms (%d questions): ratio %.2fx;  p99 %.3f vs %.3f ms",
                 label, result.small.p50.milliseconds, small, result.large.p50.milliseconds, large, ratio,
                 result.small.p99.milliseconds, result.large.p99.milliseconds))
    return ratio
}

print("\(starts / 2) starts per bank and kind, \(perSession) questions each, alternating banks")
let wholeBank = report("whole bank", try await measureStarts(category: nil, starts: starts, perSession: perSession), small: small, large: large)
let oneCategory = report("category c7", try await measureStarts(category: "c7", starts: starts, perSession: perSession), small: small, large: large)

// What every start read before: the bank's whole index.
let bank = QuestionBank(store: environment.store, table: environment.tables.questions)
let clock = ContinuousClock()
var indexReads: [Duration] = []
for _ in 0..<9 {
    let before = clock.now
    _ = try await bank.questionIds(bankId: "large", category: nil)
    indexReads.append(clock.now - before)
}
print(String(format: "for scale: reading the large bank's whole index, as starts did before, p50 %.3f ms",
             LatencySummary(indexReads)!.p50.milliseconds))

let met = wholeBank <= 1.5 && oneCategory <= 1.5
print("target (large bank's start p50 within 1.5x of the small bank's, whole bank and category): \(met ? "met" : "NOT met")")
exit(met ? 0 : 1)
