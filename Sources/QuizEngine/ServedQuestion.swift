/// One serving of a question: which question, the order its choices are shown in, and how many
/// wrong tries this serving has had.
///
/// A serving starts when a picked question is served and ends with its first correct answer; every
/// wrong answer retries it with the choices in another order (docs/http-contract.md#adaptive-rules). Whether a correct
/// answer was "on the first try" is a property of the serving, not of the question's history.
public struct ServedQuestion: Codable, Sendable, Hashable {
    /// Why a question is being served.
    public enum Origin: String, Codable, Sendable, Hashable {
        /// A question of the session's drawn set that is not done yet.
        case sessionSet = "session_set"
        /// A wrong-answer pool entry under review: the 20 % branch, or the review of this session's
        /// entries once its set is done.
        case wrongAnswerPool = "wrong_answer_pool"
    }

    /// The bank holding the question.
    public let bankId: String
    /// The question's id within its bank.
    public let questionId: String
    /// Why it is being served.
    public let origin: Origin
    /// The choice ids in the order the user sees them now.
    public private(set) var choiceOrder: [String]
    /// Whether `choiceOrder` was randomised rather than taken from the bank; every retry is.
    public private(set) var shuffled: Bool
    /// The wrong answers this serving has had so far.
    public private(set) var wrongTries: Int

    /// The first serving of `picked`, whose choices in bank order are `answerIds`: shuffled when
    /// `shuffle` is set (the session's `shuffleChoices` option), bank order otherwise.
    ///
    /// Duplicate ids are dropped (the first occurrence stays), so that the order is a permutation of
    /// distinct ids and a retry can always tell a new order from the old one.
    public init(
        picked: PickedQuestion, answerIds: [String], shuffle: Bool, using rng: inout some RandomNumberGenerator
    ) {
        var order: [String] = []
        order.reserveCapacity(answerIds.count)
        // A handful of choices: a search of those kept so far is cheaper than a set.
        if answerIds.count <= 16 {
            for id in answerIds where !order.contains(id) { order.append(id) }
        } else {
            var seen = Set<String>()
            order = answerIds.filter { seen.insert($0).inserted }
        }
        if shuffle {
            rng.shuffle(&order)
        }
        bankId = picked.bankId
        questionId = picked.questionId
        origin = picked.origin
        choiceOrder = order
        shuffled = shuffle
        wrongTries = 0
    }

    /// The question being served.
    public var ref: QuestionRef { QuestionRef(bankId: bankId, questionId: questionId) }

    /// Whether no wrong answer has been given in this serving yet.
    public var isFirstTry: Bool { wrongTries == 0 }

    /// The serving after a wrong answer: one more wrong try, and the choices in an order different
    /// from the current one whenever there are two or more (docs/http-contract.md#adaptive-rules).
    public func retried(using rng: inout some RandomNumberGenerator) -> ServedQuestion {
        var next = self
        next.wrongTries += 1
        next.choiceOrder = Self.differentOrder(from: choiceOrder, using: &rng)
        next.shuffled = true
        return next
    }

    /// `question`'s choices in the served order, for the response; ids the question no longer has
    /// are left out.
    public func orderedAnswers(of question: Question) -> [AnswerChoice] {
        choiceOrder.compactMap { id in question.answers.first { $0.id == id } }
    }

    // MARK: - Reordering

    /// A uniformly shuffled order of `previous`, guaranteed to differ from it when it has two or
    /// more (distinct) ids, using a bounded number of draws.
    static func differentOrder(from previous: [String], using rng: inout some RandomNumberGenerator) -> [String] {
        guard previous.count >= 2 else { return previous }
        var candidate = previous
        rng.shuffle(&candidate)
        if candidate != previous { return candidate }
        // The shuffle gave back the order just served (probability 1/n!). Rotating distinct ids by a
        // non-zero offset always changes the order, so one more draw settles it: no open-ended
        // "reshuffle until different" loop.
        let offset = 1 + rng.uniformIndex(below: previous.count - 1)
        return Array(previous[offset...] + previous[..<offset])
    }
}

// MARK: - Restoring saved state

extension ServedQuestion {
    /// A serving exactly as a store saved it (see `QuizSession.init(restoringId:…)`).
    public init(
        restoringBankId bankId: String, questionId: String, origin: Origin, choiceOrder: [String], shuffled: Bool,
        wrongTries: Int
    ) {
        self.bankId = bankId
        self.questionId = questionId
        self.origin = origin
        self.choiceOrder = choiceOrder
        self.shuffled = shuffled
        self.wrongTries = wrongTries
    }
}
