import FoundationEssentials
import QuizData
import QuizEngine
import QuizHTTP
import QuizStore

/// The learner-level memory routes the progress function serves (docs/memory-model.md):
/// `GET /users/{userId}/memory`, `GET` and `PUT /users/{userId}/settings`, and the `memory`
/// section of progress. Like progress, only one's own: `me` or one's own id, 403 otherwise.
struct MemoryRoutes: Sendable {
    let environment: QuizEnvironment
    let data: LearnerData

    /// The caller's own user id, or 403 for anyone else's.
    static func ownUser(_ userId: String, caller: Caller, what: String) throws(APIError) -> String {
        guard userId == "me" || userId == caller.userId else { throw APIError.forbidden("You can only \(what) your own.") }
        return caller.userId
    }

    // MARK: - GET /users/{userId}/memory

    /// `GET /users/{userId}/memory?bankId=&dueBefore=&limit=&cursor=`.
    func list(_ request: HTTPRequestEvent, userId: String, now: Int64) async throws -> HTTPResponseEvent {
        let bankId = try request.query.single("bankId")
        if let bankId {
            var problems: [APIError.Detail] = []
            Validation.identifier(bankId, field: "bankId", into: &problems)
            guard problems.isEmpty else { throw APIError.badRequest("bankId is not a valid bank id", details: problems) }
        }
        let dueBefore = try request.query.single("dueBefore").map { text throws(APIError) in
            guard let time = ClockHeader.time(text) else {
                throw APIError.badRequest(
                    "dueBefore must be epoch milliseconds or an RFC 3339 date-time",
                    details: [APIError.Detail(field: "dueBefore", message: "must be epoch milliseconds or an RFC 3339 date-time")])
            }
            return time
        }
        let limit = try request.query.int("limit", in: 1...100) ?? 20
        let cursor = try request.query.single("cursor").map(Cursor.init(token:))
        let page = try await data.memoryPage(of: userId, bankId: bankId, dueBefore: dueBefore, limit: limit, cursor: cursor)
        return try .json(200, MemoryListView(items: page.items.map { MemoryView($0, now: now) }, nextCursor: page.next?.token))
    }

    // MARK: - Settings

    /// `PUT /users/{userId}/settings`.
    struct SettingsRequest: Decodable {
        var desiredRetention: Double?
    }

    /// `GET /users/{userId}/settings`.
    func settings(userId: String) async throws -> HTTPResponseEvent {
        try .json(200, SettingsView(try await data.settings(of: userId)))
    }

    /// `PUT /users/{userId}/settings`: the desired retention, 0.70…0.97; every later review
    /// schedules with it.
    func saveSettings(_ request: HTTPRequestEvent, userId: String, now: Int64) async throws -> HTTPResponseEvent {
        let body = try request.decodeJSON(SettingsRequest.self, limit: environment.settings.maximumBodyBytes)
        let range = DesiredRetention.range
        guard let value = body.desiredRetention else {
            throw APIError.validationFailed([APIError.Detail(field: "desiredRetention", message: "is required")])
        }
        let retention: DesiredRetention
        do {
            retention = try DesiredRetention(value)
        } catch {
            throw APIError.validationFailed([
                APIError.Detail(field: "desiredRetention", message: "must be between \(range.lowerBound) and \(range.upperBound)")
            ])
        }
        let settings = LearnerSettings(desiredRetention: retention)
        try await data.saveSettings(settings, of: userId, now: now)
        return try .json(200, SettingsView(settings))
    }

    // MARK: - Progress

    /// The `memory` section of progress at `now`, from the counters kept in the transactions.
    func progress(userId: String, progress: Item?, categoryItems: [Item], now: Int64) async throws -> MemoryFiguresView {
        let set = try await data.memoryCounters(of: userId, progress: progress, categoryItems: categoryItems, now: now)
        let overall = MemoryProgress(counters: set.overall, dueEarlierThisHour: set.dueEarlierThisHour, now: now)
        let categories = set.categories.keys.sorted().map { category in
            MemoryFiguresView(
                MemoryProgress(
                    counters: set.categories[category] ?? MemoryCounters(),
                    dueEarlierThisHour: set.dueEarlierThisHourByCategory[category] ?? 0, now: now),
                category: category)
        }
        return MemoryFiguresView(overall, categories: categories)
    }
}

/// `GET /users/{userId}/memory`.
struct MemoryListView: Encodable, Sendable {
    var items: [MemoryView]
    var nextCursor: String?

    private enum CodingKeys: String, CodingKey { case items, nextCursor }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

/// `GET`/`PUT /users/{userId}/settings`.
struct SettingsView: Encodable, Sendable {
    var desiredRetention: Double

    init(_ settings: LearnerSettings) { desiredRetention = settings.desiredRetention.value }
}

/// Memory figures (docs/memory-model.md, "Progress"): the `memory` section of progress, whose
/// `categories` hold the same figures for each category, each with its `category`.
struct MemoryFiguresView: Encodable, Sendable {
    /// The category of per-category figures; absent from the overall ones.
    var category: String?
    var tracked: Int
    var dueNow: Int
    var forecast: [Int]
    var meanRetrievability: Double
    var mature: Int
    var leeches: Int
    /// The figures of each category; only in the overall ones.
    var categories: [MemoryFiguresView]?

    init(_ progress: MemoryProgress, category: String? = nil, categories: [MemoryFiguresView]? = nil) {
        self.category = category
        tracked = progress.tracked
        dueNow = progress.dueNow
        forecast = progress.forecast
        meanRetrievability = (progress.meanRetrievability * 10_000).rounded() / 10_000
        mature = progress.mature
        leeches = progress.leeches
        self.categories = categories
    }
}
