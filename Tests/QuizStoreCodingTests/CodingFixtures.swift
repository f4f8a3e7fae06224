import QuizStore

// MARK: - A session-like record

/// A record shaped like the ones the product stores: scalars of several widths, optionals
/// present and absent, lists of scalars and of structs, a map, an enum and nils inside a list.
struct SessionRecord: Codable, Equatable {
    enum Status: String, Codable { case active, expired }

    struct Answer: Codable, Equatable {
        var id: String
        var choice: Int8
        var correct: Bool
        var note: String?
    }

    var id: String
    var attempt: Int
    var score: Int32
    var version: UInt64
    var startedAt: Int64
    var accuracy: Double
    var weight: Float
    var finished: Bool
    var nickname: String?
    var expiresAt: Int64?
    var tags: [String]
    var answers: [Answer]
    var difficulty: [String: Int]
    var status: Status
    var hints: [String?]
    var checksum: [UInt8]

    static let sample = SessionRecord(
        id: "session-1", attempt: 3, score: -12, version: 7, startedAt: 1_700_000_000_123, accuracy: 0.75, weight: 1.5,
        finished: false, nickname: "ada", expiresAt: nil, tags: ["algebra", "warm-up"],
        answers: [
            Answer(id: "q1", choice: 2, correct: true, note: nil),
            Answer(id: "q2", choice: -1, correct: false, note: "skipped"),
        ],
        difficulty: ["easy": 2, "hard": 1], status: .active, hints: ["first", nil, "third"], checksum: [0, 255])

    /// `sample` as the encoder must write it, attribute for attribute.
    static let sampleAttributes: AttributeValue = [
        "id": "session-1",
        "attempt": 3,
        "score": -12,
        "version": 7,
        "startedAt": 1_700_000_000_123,
        "accuracy": 0.75,
        "weight": 1.5,
        "finished": false,
        "nickname": "ada",
        "tags": ["algebra", "warm-up"],
        "answers": [
            ["id": "q1", "choice": 2, "correct": true],
            ["id": "q2", "choice": -1, "correct": false, "note": "skipped"],
        ],
        "difficulty": ["easy": 2, "hard": 1],
        "status": "active",
        "hints": ["first", nil, "third"],
        "checksum": [0, 255],
    ]
}

/// A type whose coding uses nested containers and super coders, the paths that synthesized
/// conformances never take: `["meta": ["name": …], "scores": [count, [score], …], "super": base]`.
struct HandWrittenRecord: Codable, Equatable {
    var name: String
    var scores: [Int]
    var base: String

    private enum CodingKeys: String, CodingKey { case meta, scores }
    private enum MetaKeys: String, CodingKey { case name }

    init(name: String, scores: [Int], base: String) {
        (self.name, self.scores, self.base) = (name, scores, base)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta).decode(String.self, forKey: .name)
        var list = try container.nestedUnkeyedContainer(forKey: .scores)
        scores = []
        for _ in 0..<(try list.decode(Int.self)) {
            var single = try list.nestedUnkeyedContainer()
            scores.append(try single.decode(Int.self))
        }
        base = try container.superDecoder().singleValueContainer().decode(String.self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var meta = container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)
        var list = container.nestedUnkeyedContainer(forKey: .scores)
        var base = container.superEncoder().singleValueContainer()
        try list.encode(scores.count)
        var singles = scores.map { _ in list.nestedUnkeyedContainer() }
        // Filled in after all of them were handed out, as hand-written code may do.
        try meta.encode(name, forKey: .name)
        for (index, score) in scores.enumerated() { try singles[index].encode(score) }
        try base.encode(self.base)
    }
}

// MARK: - Errors as exact values

/// A coding error reduced to what a test compares: the kind, the type or key involved, and the
/// coding path with list positions as integers and keys as strings.
enum CodingFailure: Equatable, CustomStringConvertible {
    case keyNotFound(String, path: [AnyHashable])
    case typeMismatch(String, path: [AnyHashable])
    case valueNotFound(String, path: [AnyHashable])
    case dataCorrupted(path: [AnyHashable])
    case invalidValue(path: [AnyHashable])
    case other(String)

    init(_ error: any Error) {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            self = .keyNotFound(key.stringValue, path: Self.path(context.codingPath))
        case DecodingError.typeMismatch(let type, let context):
            self = .typeMismatch("\(type)", path: Self.path(context.codingPath))
        case DecodingError.valueNotFound(let type, let context):
            self = .valueNotFound("\(type)", path: Self.path(context.codingPath))
        case DecodingError.dataCorrupted(let context):
            self = .dataCorrupted(path: Self.path(context.codingPath))
        case EncodingError.invalidValue(_, let context):
            self = .invalidValue(path: Self.path(context.codingPath))
        default:
            self = .other("\(error)")
        }
    }

    var description: String {
        switch self {
        case .keyNotFound(let key, let path): "keyNotFound(\(key)) at \(path)"
        case .typeMismatch(let type, let path): "typeMismatch(\(type)) at \(path)"
        case .valueNotFound(let type, let path): "valueNotFound(\(type)) at \(path)"
        case .dataCorrupted(let path): "dataCorrupted at \(path)"
        case .invalidValue(let path): "invalidValue at \(path)"
        case .other(let text): text
        }
    }

    private static func path(_ keys: [any CodingKey]) -> [AnyHashable] {
        keys.map { $0.intValue.map(AnyHashable.init) ?? AnyHashable($0.stringValue) }
    }
}

/// How `body` failed, `nil` when it did not.
func failure<T>(of body: () throws -> T) -> CodingFailure? {
    do {
        _ = try body()
        return nil
    } catch {
        return CodingFailure(error)
    }
}
