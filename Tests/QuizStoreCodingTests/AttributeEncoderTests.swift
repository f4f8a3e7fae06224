import QuizStore
import Testing

@Suite struct AttributeEncoderTests {
    let encoder = AttributeEncoder()

    // MARK: - Mapping

    @Test func nestedRecordEncodesToExactlyTheExpectedAttributes() throws {
        #expect(try encoder.encode(SessionRecord.sample) == SessionRecord.sampleAttributes)
    }

    @Test func encodeItemMakesTheRecordsPropertiesTheItemsAttributes() throws {
        let item = try encoder.encodeItem(SessionRecord.sample)
        #expect(item == Item(SessionRecord.sampleAttributes.mapValue ?? [:]))
        #expect(item.string("id") == "session-1")
        #expect(item.int("startedAt") == 1_700_000_000_123)
    }

    @Test func nilPropertiesAreLeftOutOfTheItem() throws {
        let item = try encoder.encodeItem(SessionRecord.sample)
        #expect(item["expiresAt"] == nil)
        #expect(!item.attributes.keys.contains("expiresAt"))
        #expect(item["answers"]?.listValue?.first?.mapValue?.keys.sorted() == ["choice", "correct", "id"])
    }

    @Test func encodeNilForKeyLeavesTheKeyOutAndOverridesAnEarlierValue() throws {
        struct Explicit: Encodable {
            private enum CodingKeys: CodingKey { case kept, gone, cleared }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode("yes", forKey: .kept)
                try container.encodeNil(forKey: .gone)
                try container.encode("soon gone", forKey: .cleared)
                try container.encodeNil(forKey: .cleared)
            }
        }
        #expect(try encoder.encode(Explicit()) == ["kept": "yes"])
    }

    @Test func nilsThatAreValuesThemselvesAreNull() throws {
        let sparse: [String: Int?] = ["set": 1, "unset": nil]
        #expect(try encoder.encode(sparse) == ["set": 1, "unset": nil])
        #expect(try encoder.encode([1, nil, 3] as [Int?]) == [1, nil, 3])
        #expect(try encoder.encode(Int?.none) == .null)
    }

    @Test func scalarsEncodeAtTheTopLevel() throws {
        #expect(try encoder.encode("text") == .string("text"))
        #expect(try encoder.encode(true) == .bool(true))
        #expect(try encoder.encode(UInt8(200)) == .number(200))
        #expect(try encoder.encode(-0.25) == .number(-0.25))
        #expect(try encoder.encode(SessionRecord.Status.expired) == "expired")
    }

    @Test func integralDoublesAreStoredAsExactIntegers() throws {
        let encoded = try encoder.encode(2.0)
        #expect(encoded.intValue == 2)
        #expect(encoded.numberValue?.description == "2")
    }

    @Test func extremeIntegersAreStoredExactly() throws {
        #expect(try encoder.encode(Int64.max).intValue == Int64.max)
        #expect(try encoder.encode(Int64.min).intValue == Int64.min)
        #expect(try encoder.encode(UInt64(Int64.max)).intValue == Int64.max)
        #expect(try encoder.encode(Int128(Int64.min)).intValue == Int64.min)
    }

    @Test func emptyValuesAreEmptyMapsAndLists() throws {
        struct Empty: Codable {}
        #expect(try encoder.encode(Empty()) == .map([:]))
        #expect(try encoder.encode([Empty()]) == [[:]])
        #expect(try encoder.encode([Int]()) == .list([]))
    }

    @Test func nestedContainersAndSuperEncodersAreFilledInAfterTheyAreHandedOut() throws {
        let record = HandWrittenRecord(name: "ada", scores: [3, 1], base: "parent")
        #expect(try encoder.encode(record) == ["meta": ["name": "ada"], "scores": [2, [3], [1]], "super": "parent"])
    }

    @Test func userInfoReachesCustomEncodeImplementations() throws {
        struct Versioned: Encodable {
            static let version = CodingUserInfoKey(rawValue: "version")!
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(encoder.userInfo[Self.version] as? Int ?? 0)
            }
        }
        #expect(try AttributeEncoder(userInfo: [Versioned.version: 2]).encode(Versioned()) == 2)
        #expect(try encoder.encode([Versioned()]) == [0])
    }

    // MARK: - Refusals

    @Test func integerAboveInt64MaxIsRefusedWithItsPath() {
        struct Counter: Encodable { var hits: UInt64 }
        struct Stats: Encodable { var counters: [Counter] }
        let stats = Stats(counters: [Counter(hits: 1), Counter(hits: UInt64(Int64.max) + 1)])
        #expect(failure { try encoder.encode(stats) } == .invalidValue(path: ["counters", 1, "hits"]))
        #expect(failure { try encoder.encode(UInt64.max) } == .invalidValue(path: []))
        #expect(failure { try encoder.encode([UInt.max]) } == .invalidValue(path: [0]))
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteNumbersAreRefusedWithTheirPath(value: Double) {
        #expect(failure { try encoder.encode(["ratio": value]) } == .invalidValue(path: ["ratio"]))
        #expect(failure { try encoder.encode(["ratio": Float(value)]) } == .invalidValue(path: ["ratio"]))
    }

    @Test func anItemNeedsAKeyedContainer() {
        #expect(failure { try encoder.encodeItem("text") } == .invalidValue(path: []))
        #expect(failure { try encoder.encodeItem([1, 2]) } == .invalidValue(path: []))
        #expect(failure { try encoder.encodeItem(SessionRecord.Status.active) } == .invalidValue(path: []))
        #expect(failure { try encoder.encodeItem(Int?.none) } == .invalidValue(path: []))
    }

    @Test func aTopLevelValueThatEncodesNothingIsRefused() throws {
        struct Silent: Encodable {
            func encode(to encoder: any Encoder) throws {}
        }
        #expect(failure { try encoder.encode(Silent()) } == .invalidValue(path: []))
        #expect(try encoder.encode(["quiet": Silent()]) == ["quiet": [:]])
    }

    @Test func aSecondValueInOneSingleValueContainerIsRefused() {
        struct Twice: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(1)
                try container.encode(2)
            }
        }
        #expect(failure { try encoder.encode(["twice": Twice()]) } == .invalidValue(path: ["twice"]))
    }

    @Test func errorsThrownByTheValueItselfPassThrough() {
        struct Refusal: Error {}
        struct Refusing: Encodable {
            func encode(to encoder: any Encoder) throws { throw Refusal() }
        }
        #expect(throws: Refusal.self) { try encoder.encode([Refusing()]) }
    }
}
