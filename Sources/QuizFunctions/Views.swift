import QuizEngine
import QuizHTTP
import QuizObservability

// The JSON shapes of the API's responses (documented in openapi.yaml). They are built from
// domain values here, in one place, so no handler can put a correct answer in front of a learner
// by accident: `QuestionView` has no field for one.

/// A session's state, for starting, resuming and ending (`GET /sessions/{sessionId}`).
struct SessionView: Encodable, Sendable {
    var sessionId: String
    var mode: String
    var bankId: String
    var category: String?
    var status: String
    var version: Int
    var questionCount: Int
    var completedCount: Int
    var remainingCount: Int
    var answersSubmitted: Int
    var correctFirstTry: Int
    var timeLimitSeconds: Int
    var timeRemainingSeconds: Int
    var startedAt: String
    var expiresAt: String
    var endedAt: String?
    var currentQuestionId: String?
    var penaltyIndicator: String

    init(_ session: QuizSession, penaltyIndicator: String, now: Int64) {
        sessionId = session.id
        mode = session.options.mode.rawValue
        bankId = session.bankId
        category = session.options.category
        status = session.effectiveStatus(now: now).rawValue
        version = session.version
        questionCount = session.questionCount
        completedCount = session.doneCount
        remainingCount = session.questionCount - session.doneCount
        answersSubmitted = session.totalAttempts
        correctFirstTry = session.correctFirstTry
        timeLimitSeconds = session.options.timeLimitSeconds
        timeRemainingSeconds = session.timeRemainingSeconds(now: now)
        startedAt = InvocationLogger.iso8601(session.startedAt)
        expiresAt = InvocationLogger.iso8601(session.expiresAt)
        endedAt = session.endedAt.map(InvocationLogger.iso8601)
        currentQuestionId = session.currentQuestion?.questionId ?? session.pendingQuestion?.questionId
        self.penaltyIndicator = penaltyIndicator
    }
}

/// A question as served to a learner: the choices in the order served, never the correct answers.
struct QuestionView: Encodable, Sendable {
    struct Choice: Encodable, Sendable {
        var id: String
        var text: String
    }

    var questionId: String
    var bankId: String
    var category: String?
    var text: String
    var answers: [Choice]
    var multiSelect: Bool
    var shuffled: Bool
    var attempt: Int
    var review: Bool
    /// The session's version with this question served: what a client sends as `expectedVersion`.
    var version: Int

    init(_ served: ServedQuestion, question: Question, version: Int) {
        questionId = question.id
        bankId = served.bankId
        category = question.category
        text = question.text
        answers = served.orderedAnswers(of: question).map { Choice(id: $0.id, text: $0.text) }
        multiSelect = question.multiSelect
        shuffled = served.shuffled
        attempt = served.wrongTries + 1
        review = served.origin == .wrongAnswerPool
        self.version = version
    }
}

/// The results of an ended session.
struct ResultsView: Encodable, Sendable {
    var questionCount: Int
    var completedCount: Int
    var answersSubmitted: Int
    var correctFirstTry: Int
    var wrongAnswers: Int
    var accuracy: Double
    var sentToPool: [String]
    var mastered: [String]
    var durationSeconds: Int?

    init(_ results: SessionResults) {
        questionCount = results.questionCount
        completedCount = results.doneCount
        answersSubmitted = results.totalAttempts
        correctFirstTry = results.correctFirstTry
        wrongAnswers = results.wrongAnswers
        accuracy = (results.accuracy * 1000).rounded() / 1000
        sentToPool = results.sentToPool.map(\.questionId)
        mastered = results.mastered.map(\.questionId)
        durationSeconds = results.durationSeconds
    }
}

/// `POST /sessions/{sessionId}/answer`'s response, as openapi.yaml describes it.
struct AnswerView: Encodable, Sendable {
    struct Progress: Encodable, Sendable {
        var questionCount: Int
        var completedCount: Int
        var remainingCount: Int
        var answersSubmitted: Int
        var correctFirstTry: Int
        var poolSize: Int
    }

    var correct: Bool
    var nextAction: String
    var penaltyIndicator: String
    var question: QuestionView?
    var message: String
    var explanation: String?
    var version: Int
    var progress: Progress
    var results: ResultsView?
    /// The answered question's memory after the answer (unchanged by a retry of a serving).
    var memory: MemoryView?

    private enum CodingKeys: String, CodingKey {
        case correct, nextAction, penaltyIndicator, question, message, explanation, version, progress, results, memory
    }

    /// As synthesised, except that `question` is always present: `null` once the session is
    /// complete (openapi.yaml), so clients need not tell "absent" from "none".
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(correct, forKey: .correct)
        try container.encode(nextAction, forKey: .nextAction)
        try container.encode(penaltyIndicator, forKey: .penaltyIndicator)
        try container.encode(question, forKey: .question)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(explanation, forKey: .explanation)
        try container.encode(version, forKey: .version)
        try container.encode(progress, forKey: .progress)
        try container.encodeIfPresent(results, forKey: .results)
        try container.encodeIfPresent(memory, forKey: .memory)
    }
}

/// A session with what its request produced alongside.
struct SessionEnvelope<Extra: Encodable & Sendable>: Encodable, Sendable {
    var session: SessionView
    var results: Extra?
}

// MARK: - Written by hand

// The answer route's response is written directly (see `JSONBodyWritable`); members in sorted
// order, `nil` optionals left out as the synthesized encoders leave them out. Tests compare these
// with `JSONEncoder`'s output.

extension QuestionView: JSONBodyWritable {
    func writeJSON(to writer: inout JSONBodyWriter) {
        writer.beginObject()
        writer.key("answers")
        writer.beginArray()
        for choice in answers {
            writer.element()
            writer.beginObject()
            writer.key("id")
            writer.string(choice.id)
            writer.key("text")
            writer.string(choice.text)
            writer.endObject()
        }
        writer.endArray()
        writer.key("attempt")
        writer.int(attempt)
        writer.key("bankId")
        writer.string(bankId)
        if let category {
            writer.key("category")
            writer.string(category)
        }
        writer.key("multiSelect")
        writer.bool(multiSelect)
        writer.key("questionId")
        writer.string(questionId)
        writer.key("review")
        writer.bool(review)
        writer.key("shuffled")
        writer.bool(shuffled)
        writer.key("text")
        writer.string(text)
        writer.key("version")
        writer.int(version)
        writer.endObject()
    }
}

extension ResultsView: JSONBodyWritable {
    func writeJSON(to writer: inout JSONBodyWriter) {
        writer.beginObject()
        writer.key("accuracy")
        writer.double(accuracy)
        writer.key("answersSubmitted")
        writer.int(answersSubmitted)
        writer.key("completedCount")
        writer.int(completedCount)
        writer.key("correctFirstTry")
        writer.int(correctFirstTry)
        if let durationSeconds {
            writer.key("durationSeconds")
            writer.int(durationSeconds)
        }
        writer.key("mastered")
        writer.strings(mastered)
        writer.key("questionCount")
        writer.int(questionCount)
        writer.key("sentToPool")
        writer.strings(sentToPool)
        writer.key("wrongAnswers")
        writer.int(wrongAnswers)
        writer.endObject()
    }
}

extension AnswerView: JSONBodyWritable {
    func writeJSON(to writer: inout JSONBodyWriter) {
        writer.beginObject()
        writer.key("correct")
        writer.bool(correct)
        if let explanation {
            writer.key("explanation")
            writer.string(explanation)
        }
        if let memory {
            writer.key("memory")
            writer.value(memory)
        }
        writer.key("message")
        writer.string(message)
        writer.key("nextAction")
        writer.string(nextAction)
        writer.key("penaltyIndicator")
        writer.string(penaltyIndicator)
        writer.key("progress")
        writer.beginObject()
        writer.key("answersSubmitted")
        writer.int(progress.answersSubmitted)
        writer.key("completedCount")
        writer.int(progress.completedCount)
        writer.key("correctFirstTry")
        writer.int(progress.correctFirstTry)
        writer.key("poolSize")
        writer.int(progress.poolSize)
        writer.key("questionCount")
        writer.int(progress.questionCount)
        writer.key("remainingCount")
        writer.int(progress.remainingCount)
        writer.endObject()
        writer.key("question")
        if let question { writer.value(question) } else { writer.null() }
        if let results {
            writer.key("results")
            writer.value(results)
        }
        writer.key("version")
        writer.int(version)
        writer.endObject()
    }
}
