import FoundationEssentials
import QuizData
import QuizEngine
import QuizHTTP
import QuizObservability
import QuizStore

/// The **progress** function: a learner's totals, per-category figures, pool and sessions, read
/// from counters the answer transaction keeps current (no scan of the user's history).
public struct ProgressFunction: RoutedFunction {
    package enum Route: Sendable {
        case progress, memory, settings, saveSettings, health
    }

    /// The function's name, in logs and metrics.
    public static let name = "progress"

    /// The function's routes (the local runner's and the template's routes are derived from them).
    package static let routes = RouteTable<Route>(
        [
            .init(.get, "/users/{userId}/progress", .progress),
            .init(.get, "/users/{userId}/memory", .memory),
            .init(.get, "/users/{userId}/settings", .settings),
            .init(.put, "/users/{userId}/settings", .saveSettings),
        ], health: .health)

    package let edge: FunctionEdge<Route>

    /// The function over an environment built at start.
    public init(environment: QuizEnvironment) {
        let router = Self.routes.router
        let data = LearnerData(environment)
        let memory = MemoryRoutes(environment: environment, data: data)
        edge = FunctionEdge(function: Self.name, environment: environment, router: router) { route, match, request, scope in
            switch route {
            case .health:
                return try await HealthCheck.respond(function: ProgressFunction.name, store: environment.store)
            case .progress:
                let caller = try request.authenticatedCaller
                let userId = try match.parameters.require("userId")
                // Only one's own progress: `me` or one's own id. Nobody else's, not even to learn it exists.
                guard userId == "me" || userId == caller.userId else {
                    throw APIError.forbidden("You can only read your own progress.")
                }
                let counters = try await data.progress(of: caller.userId) ?? Item()
                let categories = try await data.categoryProgress(of: caller.userId)
                let pool = try await data.wholePool(of: caller.userId)
                var view = ProgressView(userId: caller.userId, counters: counters, categories: categories, pool: pool)
                view.memory = try await memory.progress(userId: caller.userId, progress: counters, categoryItems: categories, now: scope.now)
                return try .json(200, view)
            case .memory:
                let userId = try MemoryRoutes.ownUser(try match.parameters.require("userId"), caller: try request.authenticatedCaller, what: "read memory of")
                return try await memory.list(request, userId: userId, now: scope.now)
            case .settings:
                let userId = try MemoryRoutes.ownUser(try match.parameters.require("userId"), caller: try request.authenticatedCaller, what: "read settings of")
                return try await memory.settings(userId: userId)
            case .saveSettings:
                let userId = try MemoryRoutes.ownUser(try match.parameters.require("userId"), caller: try request.authenticatedCaller, what: "change settings of")
                return try await memory.saveSettings(request, userId: userId, now: scope.now)
            }
        }
    }
}

/// `GET /users/{userId}/progress`.
struct ProgressView: Encodable, Sendable {
    struct Totals: Encodable, Sendable {
        var answers: Int64
        var correct: Int64
        var correctFirstTry: Int64
        var accuracy: Double
    }

    struct CategoryTotals: Encodable, Sendable {
        var category: String
        var answers: Int64
        var correct: Int64
        var accuracy: Double
    }

    struct PoolEntryView: Encodable, Sendable {
        var bankId: String
        var questionId: String
        var remainingTries: Int
        var enteredAt: String
    }

    struct Pool: Encodable, Sendable {
        var size: Int
        var entries: [PoolEntryView]
    }

    var userId: String
    var totals: Totals
    var categories: [CategoryTotals]
    var mastered: Int64
    var enteredPool: Int64
    var pool: Pool
    var sessions: [String: Int64]
    var penaltyIndicator: String
    /// The memory figures (docs/memory-model.md, "Progress"), overall and per category.
    var memory: MemoryFiguresView?

    init(userId: String, counters: Item, categories categoryItems: [Item], pool: WrongAnswerPool) {
        func count(_ name: String) -> Int64 { max(0, counters.int(name) ?? 0) }
        func accuracy(_ correct: Int64, _ answers: Int64) -> Double {
            answers == 0 ? 0 : (Double(correct) / Double(answers) * 1000).rounded() / 1000
        }
        self.userId = userId
        let answers = count("answers"), correct = count("correct")
        totals = Totals(answers: answers, correct: correct, correctFirstTry: count("correctFirstTry"), accuracy: accuracy(correct, answers))
        var perCategory: [String: (answers: Int64, correct: Int64)] = [:]
        var sessions = Dictionary(uniqueKeysWithValues: SessionStatus.allCases.map { ($0.rawValue, Int64(0)) })
        for (name, value) in counters.attributes {
            guard let number = value.intValue else { continue }
            if name.hasPrefix(ProgressRecord.categoryPrefix) {
                // Counters kept on this item before categories had items of their own:
                // category#NAME#answers | category#NAME#correct; names cannot hold '#'.
                let parts = name.dropFirst(ProgressRecord.categoryPrefix.count).split(separator: "#")
                guard parts.count == 2 else { continue }
                let category = String(parts[0])
                if parts[1] == "answers" { perCategory[category, default: (0, 0)].answers = max(0, number) }
                if parts[1] == "correct" { perCategory[category, default: (0, 0)].correct = max(0, number) }
            } else if name.hasPrefix(ProgressRecord.sessionsPrefix) {
                sessions[String(name.dropFirst(ProgressRecord.sessionsPrefix.count))] = max(0, number)
            }
        }
        for item in categoryItems {
            guard let category = item.string("category") else { continue }
            perCategory[category, default: (0, 0)].answers += max(0, item.int("answers") ?? 0)
            perCategory[category, default: (0, 0)].correct += max(0, item.int("correct") ?? 0)
        }
        categories = perCategory.keys.sorted().map { name in
            let totals = perCategory[name]!
            return CategoryTotals(category: name, answers: totals.answers, correct: totals.correct, accuracy: accuracy(totals.correct, totals.answers))
        }
        mastered = count("mastered")
        enteredPool = count("enteredPool")
        self.pool = Pool(
            size: pool.count,
            entries: pool.entries.map {
                PoolEntryView(bankId: $0.bankId, questionId: $0.questionId, remainingTries: $0.remainingTries, enteredAt: InvocationLogger.iso8601($0.enteredAt))
            })
        self.sessions = sessions
        penaltyIndicator = pool.penaltyIndicator
    }
}
