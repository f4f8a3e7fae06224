import QuizStore

/// What the attempts of one request learned about the due-hour buckets its review takes a
/// question out of (docs/memory-model.md, "How it is stored").
///
/// A review that moves a question out of a due hour cannot know, without reading, whether the
/// question was the last one of that hour's bucket. It assumes not: the decrement is conditional
/// on `n > 1` (part `memoryHourLeave`). When that condition fails, the bucket holds this question
/// alone (or is already gone), so the request's next attempt deletes the bucket instead,
/// conditional on `n > 1` not holding (part `memoryHourEmpty`) — the two conditions are
/// complements, so whatever the bucket holds exactly one of them holds, and a race that moves the
/// bucket in between only costs one more attempt. Every bucket a request finds holding at most
/// its own question is remembered here, by key, until a deletion's condition says otherwise.
package struct HourBucketHints: Sendable, Hashable {
    /// The buckets last found holding at most one question.
    private var lastQuestion: Set<Key> = []

    /// No bucket known to be about to empty: every attempt starts by decrementing.
    package init() {}

    /// Whether the bucket at `key` was last found holding at most one question.
    package func holdsOneAtMost(_ key: Key) -> Bool { lastQuestion.contains(key) }

    /// Notes what a cancelled commit of `plan` says about its bucket writes: a failed decrement
    /// means its bucket holds at most one question; a failed deletion means it holds more.
    package mutating func learn(from failed: Set<WritePlan.Part>, in plan: WritePlan) {
        for (write, part) in zip(plan.writes, plan.parts) where failed.contains(part) {
            guard let key = try? write.key() else { continue }
            switch part {
            case .memoryHourLeave: lastQuestion.insert(key)
            case .memoryHourEmpty: lastQuestion.remove(key)
            default: continue
            }
        }
    }

    /// Whether `failed` holds a bucket write: the review is computed again, as for a moved memory item.
    package static func concerns(_ failed: Set<WritePlan.Part>) -> Bool {
        failed.contains(.memoryHourLeave) || failed.contains(.memoryHourEmpty)
    }
}
