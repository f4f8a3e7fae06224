import QuizEngine
import QuizStore

/// The packed part of a session item (`SessionRecord`): format byte 1, then the options, the drawn
/// set, the serving and the pick, the done set, the counters, the questions sent to the pool and
/// mastered, and the served question's copy, in that order (`PackedWriter`'s encodings).
///
/// A `review` session is written as format 2: the same, with the mode's byte after the options.
/// `quiz` sessions stay format 1, byte for byte what releases before session modes wrote and read.
enum SessionState {
    static let format: UInt8 = 1
    /// Format 1 with the session's mode after the options.
    static let modedFormat: UInt8 = 2

    /// The fields a session item keeps as attributes of their own.
    struct Scalars {
        var id: String
        var userId: String
        var bankId: String
        var status: SessionStatus
        var version: Int
        var startedAt: Int64
        var expiresAt: Int64
        var updatedAt: Int64
        var endedAt: Int64?
    }

    /// The copy of a served question, with the bank it came from.
    struct ServedCopy {
        var ref: QuestionRef
        var question: Question
    }

    static func encode(_ session: QuizSession, servedQuestion: Question?) -> [UInt8] {
        var writer = PackedWriter(capacity: 512)
        let moded = session.options.mode != .quiz
        writer.byte(moded ? modedFormat : format)
        writer.optional(session.options.category)
        writer.int(session.options.questionCount)
        writer.int(session.options.timeLimitSeconds)
        writer.bool(session.options.shuffleChoices)
        if moded { writer.byte(mode(session.options.mode)) }
        writer.strings(session.questionIds)
        writer.bool(session.currentQuestion != nil)
        if let served = session.currentQuestion {
            writer.string(served.bankId)
            writer.string(served.questionId)
            writer.byte(origin(served.origin))
            writer.strings(served.choiceOrder)
            writer.bool(served.shuffled)
            writer.int(served.wrongTries)
        }
        writer.bool(session.pendingQuestion != nil)
        if let picked = session.pendingQuestion {
            writer.string(picked.bankId)
            writer.string(picked.questionId)
            writer.byte(origin(picked.origin))
        }
        writer.strings(session.doneQuestionIds)
        writer.int(session.totalAttempts)
        writer.int(session.questionsAnswered)
        writer.int(session.correctFirstTry)
        refs(session.sentToPool, to: &writer)
        refs(session.mastered, to: &writer)
        writer.bool(servedQuestion != nil)
        if let question = servedQuestion, let served = session.currentQuestion {
            writer.string(served.bankId)
            writer.string(question.id)
            writer.optional(question.category)
            writer.string(question.text)
            writer.unsigned(UInt64(question.answers.count))
            for choice in question.answers {
                writer.string(choice.id)
                writer.string(choice.text)
            }
            writer.strings(question.correctAnswers)
            writer.optional(question.explanation)
            writer.optional(question.source)
        }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], scalars: Scalars) throws(PackedReader.Damaged) -> (QuizSession, ServedCopy?) {
        try bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(PackedReader.Damaged) -> (QuizSession, ServedCopy?) in
                var reader = PackedReader(buffer)
                let layout = try reader.byte()
                guard layout == format || layout == modedFormat else { throw PackedReader.Damaged() }
                var options = QuizSession.Options(
                    category: try reader.optionalString(), questionCount: try reader.int(), timeLimitSeconds: try reader.int(),
                    shuffleChoices: try reader.bool())
                if layout == modedFormat { options.mode = try mode(&reader) }
                let questionIds = try reader.strings()
                var current: ServedQuestion?
                if try reader.bool() {
                    current = ServedQuestion(
                        restoringBankId: try reader.string(), questionId: try reader.string(), origin: try origin(&reader),
                        choiceOrder: try reader.strings(), shuffled: try reader.bool(), wrongTries: try reader.int())
                }
                var pending: PickedQuestion?
                if try reader.bool() {
                    let ref = QuestionRef(bankId: try reader.string(), questionId: try reader.string())
                    pending = PickedQuestion(ref, origin: try origin(&reader))
                }
                let session = QuizSession(
                    restoringId: scalars.id, userId: scalars.userId, bankId: scalars.bankId, options: options, questionIds: questionIds,
                    startedAt: scalars.startedAt, expiresAt: scalars.expiresAt, status: scalars.status, version: scalars.version,
                    updatedAt: scalars.updatedAt, endedAt: scalars.endedAt, currentQuestion: current, pendingQuestion: pending,
                    doneQuestionIds: try reader.strings(), totalAttempts: try reader.int(), questionsAnswered: try reader.int(),
                    correctFirstTry: try reader.int(), sentToPool: try refs(&reader), mastered: try refs(&reader))
                var copy: ServedCopy?
                if try reader.bool() {
                    let bankId = try reader.string()
                    let id = try reader.string()
                    let category = try reader.optionalString()
                    let text = try reader.string()
                    var answers: [AnswerChoice] = []
                    for _ in 0..<(try reader.count()) { answers.append(AnswerChoice(id: try reader.string(), text: try reader.string())) }
                    let question = Question(
                        id: id, category: category, text: text, answers: answers, correctAnswers: try reader.strings(),
                        explanation: try reader.optionalString(), source: try reader.optionalString())
                    copy = ServedCopy(ref: QuestionRef(bankId: bankId, questionId: id), question: question)
                }
                guard reader.isAtEnd else { throw PackedReader.Damaged() }
                return (session, copy)
            }
        }.get()
    }

    private static func mode(_ mode: QuizSession.Mode) -> UInt8 {
        switch mode {
        case .quiz: 0
        case .review: 1
        }
    }

    private static func mode(_ reader: inout PackedReader) throws(PackedReader.Damaged) -> QuizSession.Mode {
        switch try reader.byte() {
        case 0: .quiz
        case 1: .review
        default: throw PackedReader.Damaged()
        }
    }

    private static func origin(_ origin: ServedQuestion.Origin) -> UInt8 {
        switch origin {
        case .sessionSet: 0
        case .wrongAnswerPool: 1
        }
    }

    private static func origin(_ reader: inout PackedReader) throws(PackedReader.Damaged) -> ServedQuestion.Origin {
        switch try reader.byte() {
        case 0: .sessionSet
        case 1: .wrongAnswerPool
        default: throw PackedReader.Damaged()
        }
    }

    private static func refs(_ refs: [QuestionRef], to writer: inout PackedWriter) {
        writer.unsigned(UInt64(refs.count))
        for ref in refs {
            writer.string(ref.bankId)
            writer.string(ref.questionId)
        }
    }

    private static func refs(_ reader: inout PackedReader) throws(PackedReader.Damaged) -> [QuestionRef] {
        var refs: [QuestionRef] = []
        for _ in 0..<(try reader.count()) { refs.append(QuestionRef(bankId: try reader.string(), questionId: try reader.string())) }
        return refs
    }
}
