import QuizStore

/// Typed reads of an item's attributes (or a nested map's) for records mapped by hand, with the
/// rules `AttributeDecoder` applies: a missing or `null` attribute is `nil` for an optional and a
/// failure otherwise, a number must be an integer that fits.
struct ItemReader {
    /// The attribute that was missing or of the wrong type (never its value).
    struct Failure: Error, CustomStringConvertible {
        var field: String
        var description: String { "attribute '\(field)' is missing or of the wrong type" }
    }

    let attributes: [String: AttributeValue]

    init(_ attributes: [String: AttributeValue]) {
        self.attributes = attributes
    }

    private func present(_ name: String) -> AttributeValue? {
        switch attributes[name] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    func string(_ name: String) throws(Failure) -> String {
        guard case .string(let text)? = attributes[name] else { throw Failure(field: name) }
        return text
    }

    func optionalString(_ name: String) throws(Failure) -> String? {
        guard let value = present(name) else { return nil }
        guard case .string(let text) = value else { throw Failure(field: name) }
        return text
    }

    func int64(_ name: String) throws(Failure) -> Int64 {
        guard let value = attributes[name]?.intValue else { throw Failure(field: name) }
        return value
    }

    func optionalInt64(_ name: String) throws(Failure) -> Int64? {
        guard let value = present(name) else { return nil }
        guard let number = value.intValue else { throw Failure(field: name) }
        return number
    }

    func int(_ name: String) throws(Failure) -> Int {
        guard let value = Int(exactly: try int64(name)) else { throw Failure(field: name) }
        return value
    }

    func bool(_ name: String) throws(Failure) -> Bool {
        guard case .bool(let flag)? = attributes[name] else { throw Failure(field: name) }
        return flag
    }

    func list(_ name: String) throws(Failure) -> [AttributeValue] {
        guard case .list(let elements)? = attributes[name] else { throw Failure(field: name) }
        return elements
    }

    func strings(_ name: String) throws(Failure) -> [String] {
        try list(name).map { value throws(Failure) in
            guard case .string(let text) = value else { throw Failure(field: name) }
            return text
        }
    }
}
