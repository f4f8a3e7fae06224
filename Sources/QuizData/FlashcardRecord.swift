import QuizEngine
import QuizStore

/// A flashcard session as an item of the `users` table: the same key, scalar attributes, TTL and
/// transaction token as a quiz session's item (`SessionRecord`), so reads, the active-session
/// index and the maintenance sweep find both alike, plus `mode` = `flashcards`, which tells the
/// two apart. The rest (options, the deck, the card shown and its reveal, the cards to come, the
/// cards learned, the rating counts) is packed into the binary `state` attribute.
package enum FlashcardRecord {
    /// A flashcard session as read.
    package struct Stored: Sendable {
        package var session: FlashcardSession
        /// The transaction token of the last write to the item, when it had one.
        package var writeToken: String?
    }

    /// The `mode` attribute's value on a flashcard session's item; quiz and review sessions have none.
    package static let mode = "flashcards"
    /// The attribute that names a session item's mode.
    package static let modeAttribute = "mode"
    /// The first byte of the packed state.
    static let format: UInt8 = 1

    /// Whether `item` is a flashcard session's.
    package static func isFlashcards(_ item: Item) -> Bool {
        item.string(modeAttribute) == mode
    }

    /// The item of a flashcard session; `token` is the transaction's that writes it.
    package static func item(_ session: FlashcardSession, retentionSeconds: Int, token: TransactionToken? = nil) -> Item {
        // Kept as long as quiz sessions are, under the same key and attributes, with its mode beside them.
        var attributes = SessionRecord.commonAttributes(
            userId: session.userId, id: session.id, bankId: session.bankId, status: session.status, version: session.version,
            startedAt: session.startedAt, expiresAt: session.expiresAt, updatedAt: session.updatedAt, endedAt: session.endedAt,
            retentionSeconds: retentionSeconds, token: token)
        attributes[modeAttribute] = .string(mode)
        attributes[SessionRecord.stateAttribute] = .binary(encode(session))
        return Item(attributes)
    }

    /// The flashcard session an item holds.
    ///
    /// - Throws: `sessionModeMismatch` for a quiz or review session's item; `damagedItem` for an
    ///   item that cannot be read.
    package static func stored(from item: Item) throws(DataError) -> Stored {
        guard isFlashcards(item) else { throw .sessionModeMismatch(expected: mode, found: "quiz") }
        let reader = ItemReader(item.attributes)
        do {
            guard let status = SessionStatus(rawValue: try reader.string("status")) else { throw ItemReader.Failure(field: "status") }
            guard case .binary(let packed)? = item[SessionRecord.stateAttribute] else {
                throw ItemReader.Failure(field: SessionRecord.stateAttribute)
            }
            let lifecycle = SessionLifecycle(
                startedAt: try reader.int64("startedAt"), expiresAt: try reader.int64("expiresAt"), status: status,
                version: try reader.int("version"), updatedAt: try reader.int64("updatedAt"), endedAt: try reader.optionalInt64("endedAt"))
            let session = try decode(
                packed, id: try reader.string("id"), userId: try reader.string("userId"), bankId: try reader.string("bankId"),
                lifecycle: lifecycle)
            return Stored(session: session, writeToken: item.string(SessionRecord.tokenAttribute))
        } catch {
            throw DataError.damaged("flashcard session", underlying: error)
        }
    }

    /// The optimistic lock: the item is still at the version it was read at.
    package static func unchanged(_ session: FlashcardSession) -> Condition {
        .version(Int64(session.version))
    }

    // MARK: - Packing

    // Format 1: source, category, card count, time limit; the deck; the card shown (id, shown at,
    // revealed at, server's time to flip); the cards to come; the cards learned; the four rating counts.

    static func encode(_ session: FlashcardSession) -> [UInt8] {
        var writer = PackedWriter(capacity: 256)
        writer.byte(format)
        writer.string(session.options.source.rawValue)
        writer.optional(session.options.category)
        writer.int(session.options.cardCount)
        writer.int(session.options.timeLimitSeconds)
        writer.strings(session.cardIds)
        writer.bool(session.current != nil)
        if let current = session.current {
            writer.string(current.questionId)
            writer.int(current.shownAt)
            writer.bool(current.revealedAt != nil)
            if let revealedAt = current.revealedAt {
                writer.int(revealedAt)
                writer.int(current.timeToFlipMs ?? 0)
            }
        }
        writer.strings(session.upcoming)
        writer.strings(session.learned)
        for count in [session.ratings.again, session.ratings.hard, session.ratings.good, session.ratings.easy] { writer.int(count) }
        return writer.bytes
    }

    static func decode(
        _ bytes: [UInt8], id: String, userId: String, bankId: String, lifecycle: SessionLifecycle
    ) throws(PackedReader.Damaged) -> FlashcardSession {
        try bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(PackedReader.Damaged) -> FlashcardSession in
                var reader = PackedReader(buffer)
                guard try reader.byte() == format, let source = FlashcardDeck.Source(rawValue: try reader.string()) else {
                    throw PackedReader.Damaged()
                }
                let options = FlashcardSession.Options(
                    source: source, category: try reader.optionalString(), cardCount: try reader.int(),
                    timeLimitSeconds: try reader.int())
                let cardIds = try reader.strings()
                var current: FlashcardServing?
                if try reader.bool() {
                    var serving = FlashcardServing(questionId: try reader.string(), shownAt: try reader.int64())
                    if try reader.bool() {
                        serving.revealedAt = try reader.int64()
                        serving.timeToFlipMs = try reader.int64()
                    }
                    current = serving
                }
                let upcoming = try reader.strings()
                let learned = try reader.strings()
                let ratings = RatingCounts(again: try reader.int(), hard: try reader.int(), good: try reader.int(), easy: try reader.int())
                guard reader.isAtEnd else { throw PackedReader.Damaged() }
                return FlashcardSession(
                    id: id, userId: userId, bankId: bankId, options: options, cardIds: cardIds, lifecycle: lifecycle,
                    current: current, upcoming: upcoming, learned: learned, ratings: ratings)
            }
        }.get()
    }
}
