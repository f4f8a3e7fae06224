import Foundation
import Glibc
import QuizEngine
import QuizTestSupport
import Testing

/// The memory model against the reference implementation: thousands of random review histories
/// through `MemoryScheduler` and through the `fsrs` package 6.3.2 (Scripts/fsrs_oracle.py, run as
/// a child process), with stability and difficulty within 1e-4 (relative) and due times equal to
/// the millisecond after every review. A missing script or package fails the test.
@Suite struct MemoryOracleTests {
    static let sequenceCount = 3000
    static let tolerance = 1e-4

    @Test func everyReviewAgreesWithTheReferencePackage() throws {
        var rng = SeededRandomGenerator(seedText: "memory-oracle")
        let histories = (0..<Self.sequenceCount).map { _ in ReviewHistory.random(using: &rng) }
        let reference = try OracleProcess.run(histories.map(\.request))

        #expect(reference.fsrs == "6.3.2")
        try #require(reference.results.count == histories.count)
        var mismatches: [String] = []
        var reviews = 0
        for (index, (history, expected)) in zip(histories, reference.results).enumerated() {
            #expect(expected.count == history.states.count)
            for (step, (mine, theirs)) in zip(history.states, expected).enumerated() {
                reviews += 1
                let stabilityError = abs(mine.stability - theirs.stability) / theirs.stability
                let difficultyError = abs(mine.difficulty - theirs.difficulty) / theirs.difficulty
                guard stabilityError > Self.tolerance || difficultyError > Self.tolerance || mine.dueAt != theirs.due
                    || mine.lastReviewAt != theirs.lastReview
                else { continue }
                mismatches.append(
                    "sequence \(index) step \(step) (\(history.request.reviews[step])): engine S=\(mine.stability) "
                        + "D=\(mine.difficulty) due=\(mine.dueAt ?? -1); reference S=\(theirs.stability) "
                        + "D=\(theirs.difficulty) due=\(theirs.due)"
                )
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(reviews) reviews disagree:\n\(mismatches.prefix(10).joined(separator: "\n"))")
        // The histories exercise every branch the test claims to: checked, not assumed.
        #expect(reviews > 30_000)
        let kinds = Set(histories.flatMap(\.gapKinds))
        #expect(kinds == Set(ReviewHistory.Gap.allCases))
        #expect(Set(histories.flatMap { $0.request.reviews.map(\.rating) }) == [1, 2, 3, 4])
        #expect(Set(histories.map(\.request.desiredRetention)).count > 20)
    }

    @Test func theScriptRefusesAnotherVersionOfThePackage() throws {
        // The version check is what makes a wrong reference fail instead of passing quietly.
        let script = try String(contentsOfFile: OracleProcess.script, encoding: .utf8)
        #expect(script.contains(#"EXPECTED_VERSION = "6.3.2""#))
        #expect(script.contains("sys.exit("))
    }
}

// MARK: - Histories

/// One random review history and the engine's state after each review.
struct ReviewHistory {
    /// How the time of a review is chosen from the state before it.
    enum Gap: CaseIterable {
        /// The first review.
        case first
        /// Seconds to hours after the last review, under a day: the same-day formula.
        case sameDay
        /// Exactly when the question fell due.
        case onDueDate
        /// Up to three days either side of the due date.
        case nearDueDate
        /// One day to ten years.
        case long
        /// Ten to a hundred years: retrievability near 0, intervals at the clamp.
        case veryLong
        /// A few minutes before the last review (clocks of two workers disagreeing).
        case backwards
    }

    var request: OracleProcess.Sequence
    var states: [MemoryState]
    var gapKinds: [Gap]

    static func random(using rng: inout SeededRandomGenerator) -> ReviewHistory {
        // Exactly the double nearest each thousandth from 0.700 to 0.970.
        let retention = Double(700 + rng.next() % 271) / 1000
        let scheduler = MemoryScheduler(desiredRetention: try! DesiredRetention(retention))
        let length = 1 + Int(rng.next() % 25)
        // Somewhere in 2020–2021, to the millisecond.
        var now: EpochMilliseconds = 1_577_836_800_000 + EpochMilliseconds(rng.next() % 63_072_000_000)
        var state = MemoryState.new
        var reviews: [OracleProcess.Review] = []
        var states: [MemoryState] = []
        var kinds: [Gap] = []
        for index in 0..<length {
            let gap = index == 0 ? Gap.first : pickGap(using: &rng)
            now = time(after: state, now: now, gap: gap, using: &rng)
            // Ratings weighted like real reviews: mostly good, a fair share of again.
            let roll = rng.next() % 10
            let rating: ReviewRating = roll < 2 ? .again : roll < 3 ? .hard : roll < 9 ? .good : .easy
            var unused = SeededRandomGenerator(seed: 0)
            state = scheduler.review(state, rating: rating, at: now, using: &unused)
            reviews.append(OracleProcess.Review(rating: rating.rawValue, at: now))
            states.append(state)
            kinds.append(gap)
        }
        return ReviewHistory(
            request: OracleProcess.Sequence(desiredRetention: retention, reviews: reviews), states: states, gapKinds: kinds
        )
    }

    private static func pickGap(using rng: inout SeededRandomGenerator) -> Gap {
        switch rng.next() % 20 {
        case 0..<6: .sameDay
        case 6..<10: .onDueDate
        case 10..<14: .nearDueDate
        case 14..<17: .long
        case 17..<19: .veryLong
        default: .backwards
        }
    }

    private static func time(
        after state: MemoryState, now: EpochMilliseconds, gap: Gap, using rng: inout SeededRandomGenerator
    ) -> EpochMilliseconds {
        let day = Days.milliseconds
        let due = state.dueAt ?? now
        switch gap {
        case .first: return now
        case .sameDay: return now + 1000 + EpochMilliseconds(rng.next() % UInt64(day - 1001))
        case .onDueDate: return due
        case .nearDueDate: return max(now, due - 3 * day + EpochMilliseconds(rng.next() % UInt64(6 * day)))
        case .long: return now + day + EpochMilliseconds(rng.next() % UInt64(3650 * day))
        case .veryLong: return now + 3650 * day + EpochMilliseconds(rng.next() % UInt64(32_850 * day))
        case .backwards: return now - 1000 - EpochMilliseconds(rng.next() % 600_000)
        }
    }
}

// MARK: - The reference, as a child process

/// Runs Scripts/fsrs_oracle.py once with every sequence and reads its answer. The child is killed
/// and waited for on every path, and killed if it runs for more than two minutes.
enum OracleProcess {
    struct Review: Codable, CustomStringConvertible {
        var rating: Int
        var at: EpochMilliseconds
        var description: String { "rating \(rating) at \(at)" }
    }

    struct Sequence: Codable {
        var desiredRetention: Double
        var reviews: [Review]
    }

    struct Answer: Decodable {
        struct State: Decodable {
            var stability: Double
            var difficulty: Double
            var due: EpochMilliseconds
            var lastReview: EpochMilliseconds
        }

        var fsrs: String
        var results: [[State]]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scripts/fsrs_oracle.py").path

    static func run(_ sequences: [Sequence]) throws -> Answer {
        guard FileManager.default.fileExists(atPath: script) else {
            throw Failure(description: "the oracle script is missing: \(script)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fsrs-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("sequences.json")
        let errors = directory.appendingPathComponent("stderr.txt")
        try JSONEncoder().encode(["sequences": sequences]).write(to: input)
        guard FileManager.default.createFile(atPath: errors.path, contents: nil) else {
            throw Failure(description: "cannot create \(errors.path)")
        }

        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: PortReportingProcess.python)
        process.arguments = [script, input.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let pid = process.processIdentifier
        defer {
            if process.isRunning { kill(pid, SIGKILL) }
            process.waitUntilExit()
        }
        // A hung interpreter must not hang the suite: the watchdog kills it, which ends the read.
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        defer { watchdog.cancel() }
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()

        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw Failure(
                description: "the oracle exited with status \(process.terminationStatus): "
                    + message.trimmingCharacters(in: .whitespacesAndNewlines)
            )
        }
        return try JSONDecoder().decode(Answer.self, from: printed)
    }
}
