import QuizEngine
import QuizStore

/// A learner's memory counters, overall and per category, as the progress report needs them.
package struct MemoryCounterSet: Sendable {
    /// Overall: the totals of `PROGRESS`, the due hours of every category summed.
    package var overall = MemoryCounters()
    /// Per named category.
    package var categories: [String: MemoryCounters] = [:]
    /// How many questions of the current hour are due at or before now, overall.
    package var dueEarlierThisHour = 0
    /// The same, per named category.
    package var dueEarlierThisHourByCategory: [String: Int] = [:]
}

extension LearnerData {
    // MARK: - The memory listing

    /// One page of the learner's memory, most overdue first (ascending `dueAt`), from the due
    /// index: questions due before `dueBefore` (all when `nil`), of `bankId` (all when `nil`).
    ///
    /// A bank filter reads the index as DynamoDB's filter expressions do: a page looks at no more
    /// than `scanBudget` index items and may come back short, with a cursor to go on from.
    package func memoryPage(
        of userId: String, bankId: String?, dueBefore: Int64?, limit: Int, cursor: Cursor?, scanBudget: Int = 1000
    ) async throws(DataError) -> (items: [MemoryRecord.Stored], next: Cursor?) {
        let upper = dueBefore.map { MemoryRecord.dueBound($0 - 1) } ?? (MemoryRecord.duePrefix + "~")
        var query = Query(
            tables.users, partition: Keys.user(userId), sortKey: .between(MemoryRecord.duePrefix, upper),
            limit: bankId == nil ? limit : max(limit, 100), cursor: cursor)
        var found: [MemoryRecord.Stored] = []
        var scanned = 0
        do {
            while true {
                let page = try await store.query(query)
                for (index, item) in page.items.enumerated() {
                    scanned += 1
                    let stored = try MemoryRecord.stored(from: item)
                    if let bankId, stored.ref.bankId != bankId { continue }
                    found.append(stored)
                    if found.count == limit {
                        // Full: go on after this item, unless it was the last of the range.
                        let more = index < page.items.count - 1 || page.nextCursor != nil
                        return (found, more ? Cursor(after: try tables.users.key(of: item)) : nil)
                    }
                }
                guard let next = page.nextCursor else { return (found, nil) }
                if scanned >= scanBudget { return (found, next) }
                query.cursor = next
            }
        } catch {
            throw .listing(error, of: "memory item")
        }
    }

    // MARK: - Progress

    /// The learner's memory counters at `now`, from the items kept in the answers' transactions:
    /// `progress` (the `PROGRESS` item) and `categoryItems` (`categoryProgress(of:)`) as the
    /// caller read them, the due-hour counters (one query over categories × due hours) and the
    /// due index over the current hour only. Never reads a memory item.
    package func memoryCounters(
        of userId: String, progress: Item?, categoryItems: [Item], now: Int64
    ) async throws(DataError) -> MemoryCounterSet {
        var set = MemoryCounterSet()
        func totals(_ item: Item?) -> MemoryCounters {
            MemoryCounters(
                tracked: Int(max(0, item?.int(MemoryRecord.trackedCounter) ?? 0)),
                mature: Int(max(0, item?.int(MemoryRecord.matureCounter) ?? 0)),
                leeches: Int(max(0, item?.int(MemoryRecord.leechesCounter) ?? 0)))
        }
        set.overall = totals(progress)
        for item in categoryItems {
            guard let category = item.string("category"), (item.int(MemoryRecord.trackedCounter) ?? 0) > 0 else { continue }
            set.categories[category] = totals(item)
        }
        let partition = Keys.user(userId)
        let hourStart = Int64(Days.hourNumber(now)) * Days.hourMilliseconds
        do {
            let hours = try await store.queryAll(Query(tables.users, partition: partition, sortKey: .beginsWith(MemoryRecord.hourPrefix)))
            for item in hours {
                let (category, hour, bucket) = try MemoryRecord.hourBucket(from: item)
                guard bucket.count > 0 else { continue }
                set.overall.dueHours[hour, default: DueBucket()].add(bucket)
                if let category { set.categories[category, default: MemoryCounters()].dueHours[hour, default: DueBucket()].add(bucket) }
            }
            let thisHour = try await store.queryAll(
                Query(tables.users, partition: partition, sortKey: .between(MemoryRecord.dueBound(hourStart - 1), MemoryRecord.dueBound(now))))
            for item in thisHour {
                guard let dueAt = item.int("dueAt"), dueAt >= hourStart, dueAt <= now else { continue }
                set.dueEarlierThisHour += 1
                if let category = item.string("category") { set.dueEarlierThisHourByCategory[category, default: 0] += 1 }
            }
        } catch {
            throw Self.memoryReadFailure(error)
        }
        return set
    }
}
