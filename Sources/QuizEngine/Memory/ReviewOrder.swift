/// The order a `review` session serves questions in (docs/memory-model.md): the questions due
/// now first, the least likely to be recalled first, then new questions.
///
/// A pure function of the memory states the data layer read: it decides nothing about storage.
public enum ReviewOrder {
    /// Where a candidate stands at `now`.
    public enum Standing: Sendable, Hashable {
        /// Due: reviewed before and `dueAt <= now`.
        case due
        /// Never reviewed.
        case new
        /// Reviewed and not due yet.
        case scheduled
    }

    /// The standing of a question whose memory is `state` (`nil`: never reviewed) at `now`.
    public static func standing(of state: MemoryState?, at now: EpochMilliseconds) -> Standing {
        guard let state, state.state == .review else { return .new }
        return state.isDue(at: now) ? .due : .scheduled
    }

    /// Up to `limit` of `candidateIds` in review order: the due ones by rising retrievability at
    /// `now` (ties: the longer overdue first, then by id), then the new ones in the order given.
    /// Questions that are scheduled but not due are left out; duplicate ids count once.
    ///
    /// - Parameters:
    ///   - candidateIds: the questions the session may serve (a bank's, or a category's).
    ///   - states: the memory of those candidates that have one; a missing id is new.
    ///   - parameters: the weights retrievability is computed with.
    public static func questionIds(
        candidateIds: [String], states: [String: MemoryState], now: EpochMilliseconds, limit: Int,
        parameters: FSRSParameters = .default
    ) -> [String] {
        guard limit > 0 else { return [] }
        var seen = Set<String>()
        var due: [(id: String, retrievability: Double, dueAt: EpochMilliseconds)] = []
        var new: [String] = []
        for id in candidateIds where seen.insert(id).inserted {
            let state = states[id]
            switch standing(of: state, at: now) {
            case .due:
                guard let state, let dueAt = state.dueAt else { continue }
                due.append((id, state.retrievability(at: now, parameters: parameters), dueAt))
            case .new:
                new.append(id)
            case .scheduled:
                continue
            }
        }
        due.sort { lhs, rhs in
            if lhs.retrievability != rhs.retrievability { return lhs.retrievability < rhs.retrievability }
            if lhs.dueAt != rhs.dueAt { return lhs.dueAt < rhs.dueAt }
            return lhs.id < rhs.id
        }
        return Array((due.map(\.id) + new).prefix(limit))
    }
}
