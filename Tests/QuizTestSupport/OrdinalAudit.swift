public import QuizStore

/// Reads a whole bank partition and lists every way its ordinal slots break the layout of
/// docs/data-layer.md ("Drawing a session"): the bank's slots `N#0…` dense, one per question, each
/// naming a question whose `ordinal` is that slot; per category, `CN#<category>` counting its
/// questions and the slots `NC#<category>#0…` dense, each naming a question of that category whose
/// `categoryOrdinal` is that slot; and `META` counting as many ordinals as questions.
///
/// Built from the documented key strings, not the product's key functions, so a change of layout
/// that the documentation does not follow fails here.
public enum OrdinalAudit {
    /// The problems found; empty when the bank is sound.
    ///
    /// With `allowingUnassigned`, questions without ordinals (a bank imported before ordinals
    /// existed, part-way through getting them) are left out, and everything else must hold for
    /// the questions that have them.
    public static func problems(
        in store: any TableStore, table: TableSchema, bankId: String, allowingUnassigned: Bool = false
    ) async throws -> [String] {
        let items = try await store.queryAll(Query(table, partition: "BANK#\(bankId)"))
        var problems: [String] = []
        var questions: [String: Item] = [:]
        var bankSlots: [Int64: String] = [:]
        var categorySlots: [String: [Int64: String]] = [:]
        var counters: [String: Int64] = [:]
        var meta: Item?
        for item in items {
            guard let sort = item.string("sk") else { continue }
            if sort.hasPrefix("Q#"), let id = item.string("id") {
                questions[id] = item
            } else if sort.hasPrefix("N#"), let ordinal = Int64(sort.dropFirst(2)), let id = item.string("questionId") {
                bankSlots[ordinal] = id
            } else if sort.hasPrefix("NC#"), let split = sort.lastIndex(of: "#"), let ordinal = Int64(sort[sort.index(after: split)...]),
                let id = item.string("questionId")
            {
                categorySlots[String(sort[sort.index(sort.startIndex, offsetBy: 3)..<split]), default: [:]][ordinal] = id
            } else if sort.hasPrefix("CN#") {
                counters[String(sort.dropFirst(3))] = item.int("slotCount") ?? -1
            } else if sort == "META" {
                meta = item
            }
        }
        if meta?.int("questionCount") ?? 0 != Int64(questions.count) {
            problems.append("META counts \(meta?.int("questionCount") ?? 0) questions, the bank holds \(questions.count)")
        }
        if allowingUnassigned { questions = questions.filter { $0.value.int("ordinal") != nil } }
        let count = Int64(questions.count)
        if meta?.int("ordinalCount") ?? 0 != count { problems.append("META counts \(meta?.int("ordinalCount") ?? 0) ordinals, the bank holds \(count) questions") }
        if Set(bankSlots.keys) != Set(0..<count) {
            problems.append("bank slots \(bankSlots.keys.sorted()) are not 0..<\(count)")
        }
        if Set(bankSlots.values).count != bankSlots.count { problems.append("a question holds two bank slots") }
        for (ordinal, id) in bankSlots where questions[id]?.int("ordinal") != ordinal {
            problems.append("bank slot \(ordinal) names \(id), whose ordinal is \(questions[id]?.int("ordinal").map(String.init) ?? "missing")")
        }
        let byCategory = Dictionary(grouping: questions.values.filter { $0.string("category") != nil }) { $0.string("category")! }
        for category in Set(byCategory.keys).union(categorySlots.keys).union(counters.keys) {
            let members = byCategory[category] ?? []
            let slots = categorySlots[category] ?? [:]
            let size = Int64(members.count)
            if counters[category] ?? 0 != size { problems.append("CN#\(category) counts \(counters[category] ?? 0), the category holds \(size)") }
            if Set(slots.keys) != Set(0..<size) { problems.append("slots of \(category) \(slots.keys.sorted()) are not 0..<\(size)") }
            if Set(slots.values).count != slots.count { problems.append("a question holds two slots of \(category)") }
            for (ordinal, id) in slots {
                let question = questions[id]
                if question?.string("category") != category || question?.int("categoryOrdinal") != ordinal {
                    problems.append("slot \(ordinal) of \(category) names \(id), of \(question?.string("category") ?? "no category") at \(question?.int("categoryOrdinal").map(String.init) ?? "no ordinal")")
                }
            }
        }
        return problems
    }
}
