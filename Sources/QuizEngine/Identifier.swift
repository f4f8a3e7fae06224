/// The one rule for the identifiers of the API: question, bank, session and choice ids,
/// categories, and every id in a path (docs/http-contract.md#identifiers).
///
/// Every identifier is 1 to `Kind.maximumBytes` bytes of UTF-8: lengths are counted in bytes
/// everywhere, so an id cannot be accepted by one check (an import counting characters) and
/// refused by another (a route counting bytes). The characters depend on the kind
/// (`Kind.alphabet`): names — ids of questions, banks and sessions, categories, path parameters —
/// use only `A–Z a–z 0–9 . _ : -`; a choice id may be any text without control characters
/// (`α`, `①`), since it is what a learner's answer names, never part of a key or a path. The
/// import of a question, the routes' path parameters and the request bodies all check ids here.
public enum Identifier {
    /// What an identifier names, which sets its length and its characters.
    public enum Kind: Sendable, Hashable, CaseIterable {
        /// A question's id within its bank.
        case question
        /// A bank's id.
        case bank
        /// A session's id.
        case session
        /// A category of questions.
        case category
        /// A choice's id within its question (what `selectedAnswers` holds).
        case choice

        /// The most UTF-8 bytes an identifier of this kind may have.
        public var maximumBytes: Int {
            switch self {
            case .question, .bank, .session: Identifier.maximumBytes
            case .category: 64
            case .choice: 32
            }
        }

        /// The characters an identifier of this kind may use.
        public var alphabet: Alphabet {
            self == .choice ? .text : .name
        }
    }

    /// The characters of an identifier.
    public enum Alphabet: Sendable, Hashable {
        /// `A–Z a–z 0–9 . _ : -`: one ASCII byte each, safe in keys, paths and URLs.
        case name
        /// Any character but a control character (U+0000–U+001F, U+007F–U+009F).
        case text
    }

    /// The longest identifier of any kind: what a path parameter may carry.
    public static let maximumBytes = 128

    /// The characters of `Alphabet.name`, as messages name them.
    public static let nameCharacters = "A-Z, a-z, 0-9, '.', '_', ':' or '-'"

    /// What is wrong with a value that is not a valid identifier.
    public enum Problem: Sendable, Hashable {
        /// The value is empty.
        case empty
        /// A character of the value is not in its kind's alphabet.
        case disallowedCharacter
        /// The value has more UTF-8 bytes than its kind allows.
        case tooLong(maximumBytes: Int)
    }

    /// What is wrong with `value` as an identifier of `kind`; `nil` when it is valid.
    public static func problem(with value: String, as kind: Kind) -> Problem? {
        problem(with: value, maximumBytes: kind.maximumBytes, alphabet: kind.alphabet)
    }

    /// What is wrong with `value` as an identifier of at most `maximumBytes` bytes of `alphabet`;
    /// `nil` when it is valid. The characters are checked before the length, so a name of
    /// non-ASCII letters is refused for its characters however long it is.
    public static func problem(with value: String, maximumBytes: Int, alphabet: Alphabet = .name) -> Problem? {
        let bytes = value.utf8
        if bytes.isEmpty { return .empty }
        switch alphabet {
        case .name:
            if !bytes.allSatisfy(isNameByte) { return .disallowedCharacter }
        case .text:
            if value.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
                return .disallowedCharacter
            }
        }
        if bytes.count > maximumBytes { return .tooLong(maximumBytes: maximumBytes) }
        return nil
    }

    /// Whether `value` is a valid name (`Alphabet.name`) of at most `maximumBytes` bytes: a path
    /// parameter, by default.
    public static func isValid(_ value: String, maximumBytes: Int = Identifier.maximumBytes) -> Bool {
        problem(with: value, maximumBytes: maximumBytes) == nil
    }

    /// Whether `byte` is one of the characters of `Alphabet.name`.
    public static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
            UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    /// The rule for a name as a request's validation message states it:
    /// `must be 1 to 128 characters of …` (each allowed character is one byte).
    public static func requirement(maximumBytes: Int) -> String {
        "must be 1 to \(maximumBytes) characters of \(nameCharacters)"
    }
}
