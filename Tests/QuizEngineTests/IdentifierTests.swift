import QuizEngine
import Testing

/// The one rule for ids (docs/http-contract.md#identifiers): lengths in UTF-8 bytes; names of
/// `A–Z a–z 0–9 . _ : -`, choice ids of any text without control characters.
@Suite struct IdentifierTests {
    @Test func theLimitsOfEachKindAreInBytes() {
        #expect(Identifier.Kind.question.maximumBytes == 128)
        #expect(Identifier.Kind.bank.maximumBytes == 128)
        #expect(Identifier.Kind.session.maximumBytes == 128)
        #expect(Identifier.Kind.category.maximumBytes == 64)
        #expect(Identifier.Kind.choice.maximumBytes == 32)
        #expect(Identifier.maximumBytes == 128)
        for kind in Identifier.Kind.allCases {
            let longest = String(repeating: "x", count: kind.maximumBytes)
            #expect(Identifier.problem(with: longest, as: kind) == nil)
            #expect(Identifier.problem(with: longest + "x", as: kind) == .tooLong(maximumBytes: kind.maximumBytes))
            #expect(Identifier.problem(with: "", as: kind) == .empty)
        }
    }

    @Test func namesUseOnlyTheirAlphabet() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(Identifier.isNameByte(byte) == allowed.contains(byte), "byte \(byte)")
        }
        #expect(Identifier.isValid("q-1.a_b:C"))
        for kind in [Identifier.Kind.question, .bank, .session, .category] {
            #expect(kind.alphabet == .name)
            #expect(Identifier.problem(with: "a b", as: kind) == .disallowedCharacter)
            #expect(Identifier.problem(with: "a/b", as: kind) == .disallowedCharacter)
            #expect(Identifier.problem(with: "é", as: kind) == .disallowedCharacter)
        }
    }

    @Test func choiceIdsAreTextWithoutControlCharacters() {
        #expect(Identifier.Kind.choice.alphabet == .text)
        #expect(Identifier.problem(with: "α", as: .choice) == nil)
        #expect(Identifier.problem(with: "a b", as: .choice) == nil)
        #expect(Identifier.problem(with: "a\u{7}", as: .choice) == .disallowedCharacter)
        #expect(Identifier.problem(with: "a\u{85}", as: .choice) == .disallowedCharacter)
        #expect(Identifier.problem(with: "a\n", as: .choice) == .disallowedCharacter)
    }

    @Test func eighteenAccentedLettersAreEighteenCharactersButThirtySixBytes() {
        let sixteen = String(repeating: "é", count: 16)
        #expect(Identifier.problem(with: sixteen, as: .choice) == nil)  // 32 bytes
        let eighteen = String(repeating: "é", count: 18)
        #expect(eighteen.count == 18)  // within 32 characters…
        #expect(Identifier.problem(with: eighteen, as: .choice) == .tooLong(maximumBytes: 32))  // …not within 32 bytes
    }

    @Test func theRequirementStatesTheRule() {
        #expect(Identifier.requirement(maximumBytes: 32) == "must be 1 to 32 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'")
    }
}
