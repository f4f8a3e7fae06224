import QuizEngine
import QuizStore

/// The questions of the banks, in the `questions` table.
package struct QuestionBank: Sendable {
    package let store: any TableStore
    package let table: TableSchema

    /// The bank's questions in `table`, through `store`.
    package init(store: any TableStore, table: TableSchema) {
        self.store = store
        self.table = table
    }

    // MARK: - Reading

    /// One question, or `nil`.
    package func question(_ ref: QuestionRef) async throws(DataError) -> Question? {
        let item: Item?
        do {
            item = try await store.get(Keys.question(ref.bankId, ref.questionId), from: table)
        } catch {
            throw .storage(error)
        }
        return try item.map { item throws(DataError) in try Self.decode(item) }
    }

    /// One question that must exist (it is part of a session); 404 when the bank lost it.
    package func require(_ ref: QuestionRef) async throws(DataError) -> Question {
        guard let question = try await question(ref) else { throw .questionNotFound(ref) }
        return question
    }

    /// Whether the bank exists (has ever had questions imported).
    package func exists(_ bankId: String) async throws(DataError) -> Bool {
        do {
            return try await store.get(Keys.bankMeta(bankId), from: table) != nil
        } catch {
            throw .storage(error)
        }
    }

    /// The ids of the bank's questions, or of one category's: what a new session draws from.
    package func questionIds(bankId: String, category: String?) async throws(DataError) -> [String] {
        guard try await exists(bankId) else { throw .bankNotFound(bankId) }
        let prefix = Keys.categoryPrefix(category)
        do {
            let index = try await store.queryAll(Query(table, partition: Keys.bank(bankId), sortKey: .beginsWith(prefix)))
            return index.compactMap { $0.string("questionId") }
        } catch {
            throw .storage(error)
        }
    }

    /// One page of the bank's questions, of one category or all.
    package func list(bankId: String, category: String?, limit: Int, cursor: Cursor?) async throws(DataError) -> (questions: [Question], next: Cursor?) {
        guard try await exists(bankId) else { throw .bankNotFound(bankId) }
        do {
            if let category {
                let page = try await store.query(
                    Query(table, partition: Keys.bank(bankId), sortKey: .beginsWith(Keys.categoryPrefix(category)), limit: limit, cursor: cursor))
                let ids = page.items.compactMap { $0.string("questionId") }
                let items = try await store.batchGet(ids.map { Keys.question(bankId, $0) }, from: table)
                var byId: [String: Question] = [:]
                for item in items {
                    let question = try Self.decode(item)
                    byId[question.id] = question
                }
                return (ids.compactMap { byId[$0] }, page.nextCursor)
            }
            let page = try await store.query(
                Query(table, partition: Keys.bank(bankId), sortKey: .beginsWith(Keys.questionPrefix), limit: limit, cursor: cursor))
            return (try page.items.map { item throws(DataError) in try Self.decode(item) }, page.nextCursor)
        } catch {
            throw .listing(error, of: "question")
        }
    }

    // MARK: - Items

    // Questions are mapped by hand, attribute for attribute as `AttributeEncoder` maps their
    // `Codable` form (a `nil` property left out): an answer reads two of them.

    package static func encode(_ question: Question, bankId: String) -> Item {
        let key = Keys.question(bankId, question.id)
        var attributes = attributes(of: question)
        attributes["pk"] = .string(key.partition)
        attributes["sk"] = .string(key.sort ?? "")
        return Item(attributes)
    }

    /// A question's own attributes, without the key.
    package static func attributes(of question: Question) -> [String: AttributeValue] {
        var attributes: [String: AttributeValue] = [
            "id": .string(question.id), "text": .string(question.text),
            "answers": .list(question.answers.map { .map(["id": .string($0.id), "text": .string($0.text)]) }),
            "correctAnswers": .list(question.correctAnswers.map { .string($0) }),
        ]
        if let category = question.category { attributes["category"] = .string(category) }
        if let explanation = question.explanation { attributes["explanation"] = .string(explanation) }
        if let source = question.source { attributes["source"] = .string(source) }
        return attributes
    }

    package static func decode(_ item: Item) throws(DataError) -> Question {
        let reader = ItemReader(item.attributes)
        do throws(ItemReader.Failure) {
            return Question(
                id: try reader.string("id"), category: try reader.optionalString("category"), text: try reader.string("text"),
                answers: try reader.list("answers").map { value throws(ItemReader.Failure) in
                    guard case .map(let attributes) = value else { throw ItemReader.Failure(field: "answers") }
                    let choice = ItemReader(attributes)
                    return AnswerChoice(id: try choice.string("id"), text: try choice.string("text"))
                },
                correctAnswers: try reader.strings("correctAnswers"), explanation: try reader.optionalString("explanation"),
                source: try reader.optionalString("source"))
        } catch {
            throw .damaged("question", underlying: error)
        }
    }
}
