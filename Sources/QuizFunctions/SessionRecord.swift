import QuizEngine
import QuizHTTP
import QuizStore

/// A session as an item of the `users` table: the engine's `QuizSession`, attribute by attribute,
/// under its user's partition, with a TTL so ended sessions do not pile up forever.
///
/// The attributes are exactly those `AttributeEncoder` makes of the session's `Codable` form (a
/// `nil` property left out, nested values as maps and lists), written and read by hand: every
/// answer reads and writes its session, and the generic coders' per-field dynamic dispatch cost
/// several times the work itself. Tests check both forms stay the same.
enum SessionRecord {
    /// The item of a session; its `version` attribute is what every write is conditional on.
    static func item(_ session: QuizSession, retentionSeconds: Int) throws(APIError) -> Item {
        var attributes = attributes(of: session)
        let key = Keys.session(session.userId, session.id)
        attributes["pk"] = .string(key.partition)
        attributes["sk"] = .string(key.sort!)
        // Kept until the time limit plus the retention: active sessions cannot vanish under a
        // learner, ended ones go away on their own (PRODUCT.md §2, failure 4).
        let end = max(session.expiresAt, session.endedAt ?? session.expiresAt)
        attributes[QuizTables.ttlAttribute] = .int(end / 1000 + Int64(retentionSeconds))
        return Item(attributes)
    }

    /// The session an item holds.
    static func session(from item: Item) throws(APIError) -> QuizSession {
        do throws(ItemReader.Failure) {
            return try session(ItemReader(item.attributes))
        } catch {
            throw APIError.internalFailure("stored session is unreadable", underlying: error)
        }
    }

    /// The optimistic lock: the item is still at the version it was read at.
    static func unchanged(_ session: QuizSession) -> Condition {
        .version(Int64(session.version))
    }

    // MARK: - Writing

    static func attributes(of session: QuizSession) -> [String: AttributeValue] {
        var attributes: [String: AttributeValue] = [:]
        attributes.reserveCapacity(24)
        attributes["id"] = .string(session.id)
        attributes["userId"] = .string(session.userId)
        attributes["bankId"] = .string(session.bankId)
        var options: [String: AttributeValue] = [
            "questionCount": .int(session.options.questionCount), "timeLimitSeconds": .int(session.options.timeLimitSeconds),
            "shuffleChoices": .bool(session.options.shuffleChoices),
        ]
        if let category = session.options.category { options["category"] = .string(category) }
        attributes["options"] = .map(options)
        attributes["questionIds"] = strings(session.questionIds)
        attributes["startedAt"] = .int(session.startedAt)
        attributes["expiresAt"] = .int(session.expiresAt)
        attributes["status"] = .string(session.status.rawValue)
        attributes["version"] = .int(session.version)
        attributes["updatedAt"] = .int(session.updatedAt)
        if let endedAt = session.endedAt { attributes["endedAt"] = .int(endedAt) }
        if let served = session.currentQuestion {
            attributes["currentQuestion"] = .map([
                "bankId": .string(served.bankId), "questionId": .string(served.questionId), "origin": .string(served.origin.rawValue),
                "choiceOrder": strings(served.choiceOrder), "shuffled": .bool(served.shuffled), "wrongTries": .int(served.wrongTries),
            ])
        }
        if let picked = session.pendingQuestion {
            attributes["pendingQuestion"] = .map([
                "bankId": .string(picked.bankId), "questionId": .string(picked.questionId), "origin": .string(picked.origin.rawValue),
            ])
        }
        attributes["doneQuestionIds"] = strings(session.doneQuestionIds)
        attributes["totalAttempts"] = .int(session.totalAttempts)
        attributes["questionsAnswered"] = .int(session.questionsAnswered)
        attributes["correctFirstTry"] = .int(session.correctFirstTry)
        attributes["sentToPool"] = refs(session.sentToPool)
        attributes["mastered"] = refs(session.mastered)
        return attributes
    }

    private static func strings(_ values: [String]) -> AttributeValue {
        .list(values.map { .string($0) })
    }

    private static func refs(_ refs: [QuestionRef]) -> AttributeValue {
        .list(refs.map { .map(["bankId": .string($0.bankId), "questionId": .string($0.questionId)]) })
    }

    // MARK: - Reading

    private static func session(_ reader: ItemReader) throws(ItemReader.Failure) -> QuizSession {
        let options = try reader.map("options")
        let status = try reader.string("status")
        guard let status = SessionStatus(rawValue: status) else { throw ItemReader.Failure(field: "status") }
        return QuizSession(
            restoringId: try reader.string("id"), userId: try reader.string("userId"), bankId: try reader.string("bankId"),
            options: QuizSession.Options(
                category: try options.optionalString("category"), questionCount: try options.int("questionCount"),
                timeLimitSeconds: try options.int("timeLimitSeconds"), shuffleChoices: try options.bool("shuffleChoices")),
            questionIds: try reader.strings("questionIds"), startedAt: try reader.int64("startedAt"),
            expiresAt: try reader.int64("expiresAt"), status: status, version: try reader.int("version"),
            updatedAt: try reader.int64("updatedAt"), endedAt: try reader.optionalInt64("endedAt"),
            currentQuestion: try reader.optionalMap("currentQuestion").map { served throws(ItemReader.Failure) in
                ServedQuestion(
                    restoringBankId: try served.string("bankId"), questionId: try served.string("questionId"),
                    origin: try origin(served), choiceOrder: try served.strings("choiceOrder"), shuffled: try served.bool("shuffled"),
                    wrongTries: try served.int("wrongTries"))
            },
            pendingQuestion: try reader.optionalMap("pendingQuestion").map { picked throws(ItemReader.Failure) in
                PickedQuestion(
                    QuestionRef(bankId: try picked.string("bankId"), questionId: try picked.string("questionId")), origin: try origin(picked))
            },
            doneQuestionIds: try reader.strings("doneQuestionIds"), totalAttempts: try reader.int("totalAttempts"),
            questionsAnswered: try reader.int("questionsAnswered"), correctFirstTry: try reader.int("correctFirstTry"),
            sentToPool: try refs(reader, "sentToPool"), mastered: try refs(reader, "mastered"))
    }

    private static func origin(_ reader: ItemReader) throws(ItemReader.Failure) -> ServedQuestion.Origin {
        guard let origin = ServedQuestion.Origin(rawValue: try reader.string("origin")) else { throw ItemReader.Failure(field: "origin") }
        return origin
    }

    private static func refs(_ reader: ItemReader, _ name: String) throws(ItemReader.Failure) -> [QuestionRef] {
        try reader.list(name).map { value throws(ItemReader.Failure) in
            guard case .map(let attributes) = value else { throw ItemReader.Failure(field: name) }
            let ref = ItemReader(attributes)
            return QuestionRef(bankId: try ref.string("bankId"), questionId: try ref.string("questionId"))
        }
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
