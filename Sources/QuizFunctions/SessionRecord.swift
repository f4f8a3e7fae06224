import QuizEngine
import QuizHTTP
import QuizStore

/// A session as an item of the `users` table, under its user's partition, with a TTL so ended
/// sessions do not pile up forever.
///
/// The fields that conditions, the maintenance sweep and people reading the table look at are
/// attributes of their own: `id`, `userId`, `bankId`, `status`, `version` (every write is
/// conditional on it), `startedAt`, `expiresAt`, `updatedAt`, `endedAt`. The rest of the session
/// (options, the drawn set, the serving, the counters, the lists of results) is packed into one
/// binary attribute, `state` (see `SessionState`), together with the question being served as it
/// was when served: every answer reads and writes its session whole, and one packed attribute
/// costs a fraction of the dictionary entries, strings and values of an attribute per field. The
/// copy of the served question is what an answer is graded against, and what a retry or a reload
/// shows, without reading the bank again.
enum SessionRecord {
    /// A session as read, with the copy of the question it serves, if the item has one.
    struct Stored {
        var session: QuizSession
        var servedQuestion: Question?
    }

    /// The attribute that holds the packed state.
    static let stateAttribute = "state"

    /// The item of a session. `serving` is the question `currentQuestion` serves, kept in the
    /// item; pass it whenever the session serves one.
    static func item(_ session: QuizSession, serving question: Question? = nil, retentionSeconds: Int) throws(APIError) -> Item {
        let key = Keys.session(session.userId, session.id)
        // Kept until the time limit plus the retention: active sessions cannot vanish under a
        // learner, ended ones go away on their own (PRODUCT.md §2, failure 4).
        let end = max(session.expiresAt, session.endedAt ?? session.expiresAt)
        var attributes: [String: AttributeValue] = [:]
        attributes.reserveCapacity(14)
        attributes["pk"] = .string(key.partition)
        attributes["sk"] = .string(key.sort!)
        attributes[QuizTables.ttlAttribute] = .int(end / 1000 + Int64(retentionSeconds))
        attributes["id"] = .string(session.id)
        attributes["userId"] = .string(session.userId)
        attributes["bankId"] = .string(session.bankId)
        attributes["status"] = .string(session.status.rawValue)
        attributes["version"] = .int(session.version)
        attributes["startedAt"] = .int(session.startedAt)
        attributes["expiresAt"] = .int(session.expiresAt)
        attributes["updatedAt"] = .int(session.updatedAt)
        if let endedAt = session.endedAt { attributes["endedAt"] = .int(endedAt) }
        let served = question.flatMap { question in session.currentQuestion?.questionId == question.id ? question : nil }
        attributes[stateAttribute] = .binary(SessionState.encode(session, servedQuestion: served))
        return Item(attributes)
    }

    /// The session an item holds.
    static func session(from item: Item) throws(APIError) -> QuizSession {
        try stored(from: item).session
    }

    /// The session an item holds, and the question it serves when the item keeps a copy of it.
    static func stored(from item: Item) throws(APIError) -> Stored {
        let reader = ItemReader(item.attributes)
        do {
            guard let status = SessionStatus(rawValue: try reader.string("status")) else { throw ItemReader.Failure(field: "status") }
            guard let state = item[stateAttribute] else { return Stored(session: try legacySession(from: item), servedQuestion: nil) }
            guard case .binary(let packed) = state else { throw ItemReader.Failure(field: stateAttribute) }
            let scalars = SessionState.Scalars(
                id: try reader.string("id"), userId: try reader.string("userId"), bankId: try reader.string("bankId"), status: status,
                version: try reader.int("version"), startedAt: try reader.int64("startedAt"), expiresAt: try reader.int64("expiresAt"),
                updatedAt: try reader.int64("updatedAt"), endedAt: try reader.optionalInt64("endedAt"))
            let (session, copy) = try SessionState.decode(packed, scalars: scalars)
            // A copy that is not of the served question (there is none) is not used.
            let served = copy.flatMap { copy in session.currentQuestion.map { $0.ref == copy.ref } == true ? copy.question : nil }
            return Stored(session: session, servedQuestion: served)
        } catch {
            throw APIError.internalFailure("stored session is unreadable", underlying: error)
        }
    }

    /// A session item as releases before the packed `state` wrote it: every field an attribute of
    /// its own, exactly what `AttributeEncoder` makes of the session. Sessions started before a
    /// deploy must go on after it (PRODUCT.md §2, failure 1), and the maintenance sweep must still
    /// see them; such an item is read the slow, generic way until its next write packs it.
    private static func legacySession(from item: Item) throws -> QuizSession {
        try AttributeDecoder().decode(QuizSession.self, from: item)
    }

    /// The optimistic lock: the item is still at the version it was read at.
    static func unchanged(_ session: QuizSession) -> Condition {
        .version(Int64(session.version))
    }
}

/// The packed part of a session item (`SessionRecord`): format byte 1, then the options, the drawn
/// set, the serving and the pick, the done set, the counters, the questions sent to the pool and
/// mastered, and the served question's copy, in that order (`PackedWriter`'s encodings).
enum SessionState {
    static let format: UInt8 = 1

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
        writer.byte(format)
        writer.optional(session.options.category)
        writer.int(session.options.questionCount)
        writer.int(session.options.timeLimitSeconds)
        writer.bool(session.options.shuffleChoices)
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
                guard try reader.byte() == format else { throw PackedReader.Damaged() }
                let options = QuizSession.Options(
                    category: try reader.optionalString(), questionCount: try reader.int(), timeLimitSeconds: try reader.int(),
                    shuffleChoices: try reader.bool())
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

/// Typed reads of an item's attributes (or a nested map's) for records mapped by hand, with the
/// rules `AttributeDecoder` applies: a missing or `null` attribute is `nil` for an optional and a
/// failure otherwise, a number must be an integer that fits.
struct ItemReader {
    /// The attribute that was missing or of the wrong type (never its value).
    struct Failure: Error, CustomStringConvertible {
        var field: String
        var description: String { "attribute '\(field)' is missing or of the wrong type" }
    }

    let attributes: [String: AttributeValue]

    init(_ attributes: [String: AttributeValue]) {
        self.attributes = attributes
    }

    private func present(_ name: String) -> AttributeValue? {
        switch attributes[name] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    func string(_ name: String) throws(Failure) -> String {
        guard case .string(let text)? = attributes[name] else { throw Failure(field: name) }
        return text
    }

    func optionalString(_ name: String) throws(Failure) -> String? {
        guard let value = present(name) else { return nil }
        guard case .string(let text) = value else { throw Failure(field: name) }
        return text
    }

    func int64(_ name: String) throws(Failure) -> Int64 {
        guard let value = attributes[name]?.intValue else { throw Failure(field: name) }
        return value
    }

    func optionalInt64(_ name: String) throws(Failure) -> Int64? {
        guard let value = present(name) else { return nil }
        guard let number = value.intValue else { throw Failure(field: name) }
        return number
    }

    func int(_ name: String) throws(Failure) -> Int {
        guard let value = Int(exactly: try int64(name)) else { throw Failure(field: name) }
        return value
    }

    func bool(_ name: String) throws(Failure) -> Bool {
        guard case .bool(let flag)? = attributes[name] else { throw Failure(field: name) }
        return flag
    }

    func list(_ name: String) throws(Failure) -> [AttributeValue] {
        guard case .list(let elements)? = attributes[name] else { throw Failure(field: name) }
        return elements
    }

    func strings(_ name: String) throws(Failure) -> [String] {
        try list(name).map { value throws(Failure) in
            guard case .string(let text) = value else { throw Failure(field: name) }
            return text
        }
    }

    func optionalStrings(_ name: String) throws(Failure) -> [String]? {
        guard present(name) != nil else { return nil }
        return try strings(name)
    }

    func map(_ name: String) throws(Failure) -> ItemReader {
        guard case .map(let entries)? = attributes[name] else { throw Failure(field: name) }
        return ItemReader(entries)
    }

    func optionalMap(_ name: String) throws(Failure) -> ItemReader? {
        guard let value = present(name) else { return nil }
        guard case .map(let entries) = value else { throw Failure(field: name) }
        return ItemReader(entries)
    }
}
