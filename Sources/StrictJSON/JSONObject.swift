/// The members of a JSON object, in the order the document or its builder gave them.
///
/// An array of pairs rather than a dictionary: the objects the service reads are small (an event
/// section, an attribute value, a question), where a linear look-up beats hashing every name on
/// the way in. Names are unique when the parser made the object (it refuses or merges repeated
/// names, see ``JSONParser/Options/duplicateNames``); a builder that repeats a name gets the
/// first member from look-ups and both in the written text.
///
/// Two objects are equal when they have the same members, in any order, as JSON means it.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// The members, in order.
    public private(set) var members: [(name: String, value: JSONValue)]

    /// An object with these members, in this order.
    public init(_ members: [(name: String, value: JSONValue)] = []) {
        self.members = members
    }

    /// An object with the members of a dictionary, in the dictionary's order.
    public init(_ dictionary: [String: JSONValue]) {
        members = dictionary.map { (name: $0.key, value: $0.value) }
    }

    /// An object from a literal such as `["S": .string("text")]`.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { (name: $0.0, value: $0.1) }
    }

    // MARK: - Collection

    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> (name: String, value: JSONValue) { members[position] }

    // MARK: - Members by name

    /// The value of the first member named `name`.
    public subscript(name: String) -> JSONValue? {
        get {
            for member in members where member.name == name { return member.value }
            return nil
        }
        set {
            if let index = members.firstIndex(where: { $0.name == name }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((name, newValue))
            }
        }
    }

    /// Adds a member at the end, without looking for one of the same name.
    public mutating func append(_ name: String, _ value: JSONValue) {
        members.append((name, value))
    }

    /// The members as a dictionary; of repeated names, the first.
    public var dictionary: [String: JSONValue] {
        Dictionary(members.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: - Equality

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        // Same members in the same order is the common case and needs no look-ups.
        if zip(lhs.members, rhs.members).allSatisfy({ $0.name == $1.name && $0.value == $1.value }) { return true }
        return lhs.sortedMembers.elementsEqual(rhs.sortedMembers) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: the members' own hashes, added.
        var sum = 0
        for member in members {
            var memberHasher = Hasher()
            memberHasher.combine(member.name)
            memberHasher.combine(member.value)
            sum &+= memberHasher.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(sum)
    }

    /// The members sorted by the UTF-8 bytes of their names, stable for repeated names.
    var sortedMembers: [(name: String, value: JSONValue)] {
        members.enumerated().sorted { lhs, rhs in
            lhs.element.name == rhs.element.name
                ? lhs.offset < rhs.offset : lhs.element.name.utf8.lexicographicallyPrecedes(rhs.element.name.utf8)
        }.map(\.element)
    }
}
