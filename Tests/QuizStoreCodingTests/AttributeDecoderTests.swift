import QuizStore
import Testing

@Suite struct AttributeDecoderTests {
    let decoder = AttributeDecoder()

    /// The sample record's attributes with one of them changed (or, for `nil`, removed).
    private func sample(setting name: String, to value: AttributeValue?) -> Item {
        var item = Item(SessionRecord.sampleAttributes.mapValue ?? [:])
        item[name] = value
        return item
    }

    /// The sample record's attributes with one field of one answer changed (or removed).
    private func sample(settingAnswer index: Int, _ name: String, to value: AttributeValue?) -> Item {
        var answers = SessionRecord.sampleAttributes.mapValue?["answers"]?.listValue ?? []
        var answer = answers[index].mapValue ?? [:]
        answer[name] = value
        answers[index] = .map(answer)
        return sample(setting: "answers", to: .list(answers))
    }

    // MARK: - Round trips

    @Test func nestedRecordDecodesFromItsAttributes() throws {
        #expect(try decoder.decode(SessionRecord.self, from: SessionRecord.sampleAttributes) == SessionRecord.sample)
    }

    @Test func nestedRecordRoundTripsThroughAnItem() throws {
        let item = try AttributeEncoder().encodeItem(SessionRecord.sample)
        #expect(try decoder.decode(SessionRecord.self, from: item) == SessionRecord.sample)
    }

    @Test func handWrittenCodingRoundTrips() throws {
        let record = HandWrittenRecord(name: "ada", scores: [3, 1], base: "parent")
        #expect(try decoder.decode(HandWrittenRecord.self, from: AttributeEncoder().encode(record)) == record)
    }

    @Test func extremeIntegersRoundTrip() throws {
        struct Bounds: Codable, Equatable {
            var largest = Int64.max, smallest = Int64.min, widest = UInt64(Int64.max), byte = UInt8.max, small = Int8.min
        }
        #expect(try decoder.decode(Bounds.self, from: AttributeEncoder().encodeItem(Bounds())) == Bounds())
    }

    // MARK: - Optionals

    @Test func aMissingOrNullAttributeDecodesAsNil() throws {
        #expect(try decoder.decode(SessionRecord.self, from: sample(setting: "nickname", to: nil)).nickname == nil)
        #expect(try decoder.decode(SessionRecord.self, from: sample(setting: "nickname", to: .null)).nickname == nil)
        #expect(try decoder.decode(SessionRecord.self, from: sample(setting: "expiresAt", to: 42)).expiresAt == 42)
        #expect(try decoder.decode([String: Int?].self, from: ["unset": nil] as AttributeValue) == ["unset": nil])
    }

    @Test func aMissingOrNullAttributeDecodesAsNilForOptionalStructsAndEnumsToo() throws {
        struct Latest: Codable, Equatable {
            var status: SessionRecord.Status?
            var answer: SessionRecord.Answer?
        }
        #expect(try decoder.decode(Latest.self, from: ["status": nil, "answer": nil] as AttributeValue) == Latest())
        #expect(try decoder.decode(Latest.self, from: Item()) == Latest())
        let answer = SessionRecord.Answer(id: "q1", choice: 1, correct: true)
        let attributes: AttributeValue = ["status": "expired", "answer": ["id": "q1", "choice": 1, "correct": true]]
        #expect(try decoder.decode(Latest.self, from: attributes) == Latest(status: .expired, answer: answer))
    }

    @Test func decodeNilForKeyAnswersTrueForAMissingKey() throws {
        struct Probe: Decodable {
            var missing: Bool, null: Bool, present: Bool
            private enum CodingKeys: CodingKey { case missing, null, present }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                missing = try container.decodeNil(forKey: .missing)
                null = try container.decodeNil(forKey: .null)
                present = try container.decodeNil(forKey: .present)
            }
        }
        let probe = try decoder.decode(Probe.self, from: ["null": nil, "present": 1] as AttributeValue)
        #expect((probe.missing, probe.null, probe.present) == (true, true, false))
    }

    // MARK: - Numbers

    @Test func doublesDecodeFromAnyNumber() throws {
        #expect(try decoder.decode(Double.self, from: 3) == 3.0)
        #expect(try decoder.decode(Double.self, from: .number(Number(Int64.max))) == 9.223372036854775807e18)
        #expect(try decoder.decode(Float.self, from: 0.5) == 0.5)
    }

    @Test func aFractionIsNotAnInteger() {
        #expect(failure { try decoder.decode(Int.self, from: 2.5) } == .dataCorrupted(path: []))
        #expect(failure { try decoder.decode(SessionRecord.self, from: sample(setting: "attempt", to: 2.5)) }
            == .dataCorrupted(path: ["attempt"]))
    }

    @Test func aNumberOutOfRangeIsCorruptWithThePath() {
        #expect(failure { try decoder.decode([String: Int8].self, from: ["n": 128] as AttributeValue) } == .dataCorrupted(path: ["n"]))
        #expect(failure { try decoder.decode([String: UInt].self, from: ["n": -1] as AttributeValue) } == .dataCorrupted(path: ["n"]))
        #expect(failure { try decoder.decode([UInt16].self, from: [1, 70_000]) } == .dataCorrupted(path: [1]))
        #expect(failure { try decoder.decode(Int32.self, from: .int(Int64(Int32.max) + 1)) } == .dataCorrupted(path: []))
        #expect(failure { try decoder.decode(UInt64.self, from: .double(1e19)) } == .dataCorrupted(path: []))
        #expect(failure { try decoder.decode(Float.self, from: .double(1e300)) } == .dataCorrupted(path: []))
        #expect(failure { try decoder.decode(SessionRecord.self, from: sample(setting: "score", to: .int(1 << 40))) }
            == .dataCorrupted(path: ["score"]))
    }

    // MARK: - Errors name the field

    @Test func aMissingAttributeIsKeyNotFoundWithThePath() {
        #expect(failure { try decoder.decode(SessionRecord.self, from: sample(setting: "attempt", to: nil)) }
            == .keyNotFound("attempt", path: []))
        #expect(failure { try decoder.decode(SessionRecord.self, from: sample(settingAnswer: 1, "id", to: nil)) }
            == .keyNotFound("id", path: ["answers", 1]))
    }

    @Test func anAttributeOfTheWrongTypeIsTypeMismatchWithThePath() {
        #expect(failure { try decoder.decode(SessionRecord.self, from: sample(settingAnswer: 1, "id", to: 7)) }
            == .typeMismatch("String", path: ["answers", 1, "id"]))
        #expect(failure { try decoder.decode(SessionRecord.self, from: sample(setting: "finished", to: "no")) }
            == .typeMismatch("Bool", path: ["finished"]))
        #expect(failure { try decoder.decode(SessionRecord.self, from: sample(setting: "tags", to: "algebra")) }
            == .typeMismatch("Array<AttributeValue>", path: ["tags"]))
        let answers: AttributeValue = [["id": "q1", "choice": 2, "correct": true], 5]
        #expect(failure { try decoder.decode(SessionRecord.self, from: sample(setting: "answers", to: answers)) }
            == .typeMismatch("Dictionary<String, AttributeValue>", path: ["answers", 1]))
        #expect(failure { try decoder.decode(SessionRecord.self, from: sample(setting: "status", to: "paused")) }
            == .dataCorrupted(path: ["status"]))
    }

    @Test func nullWhereAValueIsRequiredIsValueNotFound() {
        #expect(failure { try decoder.decode(SessionRecord.self, from: sample(setting: "score", to: .null)) }
            == .valueNotFound("Int32", path: ["score"]))
        #expect(failure { try decoder.decode(SessionRecord.self, from: sample(setting: "tags", to: ["a", nil])) }
            == .valueNotFound("String", path: ["tags", 1]))
    }

    @Test func decodeNilInAListMovesPastNullsOnly() throws {
        struct Gaps: Decodable {
            var values: [Int?] = []
            init(from decoder: any Decoder) throws {
                var list = try decoder.unkeyedContainer()
                while !list.isAtEnd { values.append(try list.decodeNil() ? nil : list.decode(Int.self)) }
            }
        }
        #expect(try decoder.decode(Gaps.self, from: [1, nil, 3]).values == [1, nil, 3])
    }

    @Test func readingPastTheEndOfAListIsValueNotFound() {
        struct Pair: Decodable {
            init(from decoder: any Decoder) throws {
                var list = try decoder.unkeyedContainer()
                _ = try list.decode(Int.self)
                _ = try list.decode(Int.self)
            }
        }
        #expect(failure { try decoder.decode(Pair.self, from: [1]) } == .valueNotFound("Int", path: [1]))
    }
}
