import QuizEngine
import QuizHTTP

/// `POST /sessions`, read and checked: which mode of session to start, with what options
/// (docs/memory-model.md, "Session modes"). Every problem with the fields, and with how they
/// combine, is collected into one 422 with a detail per field.
struct SessionStart {
    /// The body as sent.
    struct Request: Decodable {
        var bankId: String
        var mode: String?
        var category: String?
        var questionCount: Int?
        var timeLimitSeconds: Int?
        var shuffleChoices: Bool?
        var source: String?
        var questionIds: [String]?
        var cardCount: Int?
    }

    /// What to start.
    enum Kind {
        /// A `quiz` or `review` session.
        case quiz(QuizSession.Options)
        /// A `flashcards` session; `listed` holds the learner's list for `source: list`.
        case flashcards(FlashcardSession.Options, listed: [String])
    }

    /// The most cards or questions one session holds.
    static let maximumCount = 100

    var bankId: String
    var kind: Kind

    /// The checked start of `body`.
    ///
    /// - Throws: `validationFailed` with every problem found.
    init(_ body: Request) throws(APIError) {
        var problems: [APIError.Detail] = []
        Validation.identifier(body.bankId, field: "bankId", into: &problems)
        if let category = body.category { Validation.identifier(category, field: "category", maximumLength: 64, into: &problems) }
        let modeName = body.mode ?? QuizSession.Mode.quiz.rawValue
        let timeLimit = body.timeLimitSeconds ?? 1800
        bankId = body.bankId

        if modeName == "flashcards" {
            for (field, present) in [("questionCount", body.questionCount != nil), ("shuffleChoices", body.shuffleChoices != nil)] where present {
                problems.append(APIError.Detail(field: field, message: "is not used by flashcard sessions (use cardCount)"))
            }
            Validation.range(body.cardCount, 1...Self.maximumCount, field: "cardCount", into: &problems)
            let source = body.source.map { FlashcardDeck.Source(rawValue: $0) } ?? .due
            if source == nil {
                problems.append(APIError.Detail(field: "source", message: "must be one of due, category, list"))
            }
            switch source {
            case .category where body.category == nil:
                problems.append(APIError.Detail(field: "category", message: "is required when source is category"))
            case .list:
                if body.category != nil {
                    problems.append(APIError.Detail(field: "category", message: "is not used when source is list"))
                }
                Self.check(list: body.questionIds, into: &problems)
            default:
                break
            }
            if source != .list, body.questionIds != nil {
                problems.append(APIError.Detail(field: "questionIds", message: "is only used when source is list"))
            }
            Validation.range(body.timeLimitSeconds, 30...604_800, field: "timeLimitSeconds", into: &problems)
            guard problems.isEmpty, let source else { throw .validationFailed(problems) }
            let listed = body.questionIds ?? []
            let count = body.cardCount ?? (source == .list ? listed.count : 20)
            kind = .flashcards(
                FlashcardSession.Options(source: source, category: body.category, cardCount: count, timeLimitSeconds: timeLimit),
                listed: listed)
            return
        }

        let mode = QuizSession.Mode(rawValue: modeName)
        if mode == nil { problems.append(APIError.Detail(field: "mode", message: "must be one of quiz, review, flashcards")) }
        Validation.range(body.questionCount, 1...Self.maximumCount, field: "questionCount", into: &problems)
        Validation.range(body.timeLimitSeconds, 30...604_800, field: "timeLimitSeconds", into: &problems)
        for (field, present) in [("source", body.source != nil), ("questionIds", body.questionIds != nil), ("cardCount", body.cardCount != nil)]
        where present {
            problems.append(APIError.Detail(field: field, message: "is only used by flashcard sessions (mode flashcards)"))
        }
        guard problems.isEmpty, let mode else { throw .validationFailed(problems) }
        kind = .quiz(
            QuizSession.Options(
                category: body.category, questionCount: body.questionCount ?? 10, timeLimitSeconds: timeLimit,
                shuffleChoices: body.shuffleChoices ?? true, mode: mode))
    }

    /// A `source: list` list: 1 to 100 ids, each an identifier, none twice.
    private static func check(list: [String]?, into problems: inout [APIError.Detail]) {
        guard let list, (1...maximumCount).contains(list.count) else {
            problems.append(APIError.Detail(field: "questionIds", message: "must hold 1 to \(maximumCount) question ids when source is list"))
            return
        }
        var seen = Set<String>()
        for (index, id) in list.enumerated() {
            Validation.identifier(id, field: "questionIds[\(index)]", into: &problems)
            if !seen.insert(id).inserted {
                problems.append(APIError.Detail(field: "questionIds[\(index)]", message: "is listed a second time"))
            }
        }
    }
}
