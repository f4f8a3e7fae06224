import QuizData
import QuizEngine
import QuizHTTP
import QuizObservability

/// A question's memory as the API shows it (openapi.yaml, `Memory`): in answer responses and in
/// `GET /users/{userId}/memory`. Times are RFC 3339 (UTC, milliseconds); `null` before the first
/// review.
struct MemoryView: Encodable, Sendable {
    var bankId: String
    var questionId: String
    var category: String?
    var stability: Double
    var difficulty: Double
    /// The probability of recall at the request's time, 0…1 (0 before the first review).
    var retrievability: Double
    var lastReviewAt: String?
    var dueAt: String?
    var reps: Int
    var lapses: Int
    var state: String
    var leech: Bool

    init(ref: QuestionRef, category: String?, state memory: MemoryState, now: Int64) {
        bankId = ref.bankId
        questionId = ref.questionId
        self.category = category
        stability = memory.stability
        difficulty = memory.difficulty
        retrievability = memory.retrievability(at: now)
        lastReviewAt = memory.lastReviewAt.map(InvocationLogger.iso8601)
        dueAt = memory.dueAt.map(InvocationLogger.iso8601)
        reps = memory.reps
        lapses = memory.lapses
        state = memory.state.rawValue
        leech = memory.leech
    }

    init(_ stored: MemoryRecord.Stored, now: Int64) {
        self.init(ref: stored.ref, category: stored.category, state: stored.state, now: now)
    }

    private enum CodingKeys: String, CodingKey {
        case bankId, questionId, category, stability, difficulty, retrievability, lastReviewAt, dueAt, reps, lapses, state, leech
    }

    /// As synthesised, except that the optional times are always present (`null` when unset).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(bankId, forKey: .bankId)
        try container.encode(questionId, forKey: .questionId)
        try container.encode(category, forKey: .category)
        try container.encode(stability, forKey: .stability)
        try container.encode(difficulty, forKey: .difficulty)
        try container.encode(retrievability, forKey: .retrievability)
        try container.encode(lastReviewAt, forKey: .lastReviewAt)
        try container.encode(dueAt, forKey: .dueAt)
        try container.encode(reps, forKey: .reps)
        try container.encode(lapses, forKey: .lapses)
        try container.encode(state, forKey: .state)
        try container.encode(leech, forKey: .leech)
    }
}

extension MemoryView: JSONBodyWritable {
    /// Written by hand for the answer route, members in sorted order as `JSONEncoder` sorts them
    /// (tests compare the two).
    func writeJSON(to writer: inout JSONBodyWriter) {
        writer.beginObject()
        writer.key("bankId")
        writer.string(bankId)
        writer.key("category")
        if let category { writer.string(category) } else { writer.null() }
        writer.key("difficulty")
        writer.double(difficulty)
        writer.key("dueAt")
        if let dueAt { writer.string(dueAt) } else { writer.null() }
        writer.key("lapses")
        writer.int(lapses)
        writer.key("lastReviewAt")
        if let lastReviewAt { writer.string(lastReviewAt) } else { writer.null() }
        writer.key("leech")
        writer.bool(leech)
        writer.key("questionId")
        writer.string(questionId)
        writer.key("reps")
        writer.int(reps)
        writer.key("retrievability")
        writer.double(retrievability)
        writer.key("stability")
        writer.double(stability)
        writer.key("state")
        writer.string(state)
        writer.endObject()
    }
}
