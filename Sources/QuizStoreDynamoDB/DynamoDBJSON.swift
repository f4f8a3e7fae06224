import FoundationEssentials
import QuizStore
import StrictJSON

/// Conversion between the table layer's values and DynamoDB's JSON wire form of them, one
/// single-member object per value: `{"S": "text"}`, `{"N": "12"}`, `{"B": "<base64>"}`,
/// `{"BOOL": true}`, `{"NULL": true}`, `{"L": […]}`, `{"M": {…}}`
/// ([AttributeValue](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html)).
///
/// The sets `SS`, `NS` and `BS` are refused when decoding: ``AttributeValue`` does not model
/// them, and turning a set into a list would silently change what a write-back stores.
public enum DynamoDBJSON {
    /// How DynamoDB's answers are parsed: repeated member names refused, and at most 160 levels
    /// deep (DynamoDB nests documents at most 32 levels, two JSON levels each, inside a response
    /// envelope), so a hostile body cannot exhaust the stack.
    public static let parsing = JSONParser.Options(maximumDepth: 160, duplicateNames: .reject)

    // MARK: - Encoding

    /// The wire form of one value. Numbers travel as their text (``Number/description``), binaries
    /// as standard base64 with padding.
    public static func encode(_ value: AttributeValue) -> JSONValue {
        switch value {
        case .string(let text): .object(["S": .string(text)])
        case .number(let number): .object(["N": .string(number.description)])
        case .binary(let bytes): .object(["B": .string(Data(bytes).base64EncodedString())])
        case .bool(let flag): .object(["BOOL": .bool(flag)])
        case .null: .object(["NULL": .bool(true)])
        case .list(let elements): .object(["L": .array(elements.map(encode))])
        case .map(let entries): .object(["M": encode(entries)])
        }
    }

    /// The wire form of a map of attributes: an object from names to attribute values, the shape
    /// of `Item`, `Key` and `ExpressionAttributeValues`.
    public static func encode(_ attributes: [String: AttributeValue]) -> JSONValue {
        .object(JSONObject(attributes.mapValues(encode)))
    }

    /// The wire form of an item.
    public static func encode(_ item: Item) -> JSONValue {
        encode(item.attributes)
    }

    /// The wire form of a primary key: its key attributes, as the `Key` member of `GetItem`,
    /// `UpdateItem` and `DeleteItem` carries them.
    public static func encode(_ key: Key, in table: TableSchema) -> JSONValue {
        encode(table.attributes(of: key))
    }

    // MARK: - Decoding

    /// The value a wire-form attribute value holds.
    public static func decodeValue(_ json: JSONValue) throws(DecodingError) -> AttributeValue {
        guard let members = json.objectValue, members.count == 1, let (type, payload) = members.first
        else { throw DecodingError("an attribute value must be an object with exactly one type member") }
        switch type {
        case "S":
            guard let text = payload.stringValue else { throw DecodingError("S must hold a string") }
            return .string(text)
        case "N":
            // Never echo the text: it is item content.
            guard let text = payload.stringValue, let number = Number(text) else {
                throw DecodingError("N must hold a number as a string")
            }
            return .number(number)
        case "B":
            guard let text = payload.stringValue, let data = Data(base64Encoded: text) else {
                throw DecodingError("B must hold standard base64")
            }
            return .binary(Array(data))
        case "BOOL":
            guard let flag = payload.boolValue else { throw DecodingError("BOOL must hold true or false") }
            return .bool(flag)
        case "NULL":
            guard payload == .bool(true) else { throw DecodingError("NULL must hold true") }
            return .null
        case "L":
            guard let elements = payload.arrayValue else { throw DecodingError("L must hold an array") }
            var values: [AttributeValue] = []
            values.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                do { values.append(try decodeValue(element)) } catch { throw error.inside("[\(index)]") }
            }
            return .list(values)
        case "M":
            return .map(try decodeAttributes(payload))
        case "SS", "NS", "BS":
            throw DecodingError("unsupported DynamoDB type \(type): sets are not modelled by the table layer")
        default:
            throw DecodingError("unknown DynamoDB attribute type")
        }
    }

    /// The attributes of a wire-form map of attributes.
    public static func decodeAttributes(_ json: JSONValue) throws(DecodingError) -> [String: AttributeValue] {
        guard let members = json.objectValue else { throw DecodingError("a map of attributes must be an object") }
        var attributes: [String: AttributeValue] = [:]
        attributes.reserveCapacity(members.count)
        for (name, member) in members {
            do { attributes[name] = try decodeValue(member) } catch { throw error.inside(".\(name)") }
        }
        return attributes
    }

    /// The item a wire-form item (the `Item` member of a response) holds.
    public static func decodeItem(_ json: JSONValue) throws(DecodingError) -> Item {
        Item(try decodeAttributes(json))
    }

    // MARK: - Errors

    /// Why a JSON value is not a DynamoDB attribute value, and where. The text names the path
    /// of attribute names and list indexes, never a value.
    public struct DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What was wrong.
        public var reason: String
        /// Where, as attribute names and list indexes from the outermost value in (`.answers[2]`);
        /// empty for the outermost value itself.
        public var path: String

        /// An error at the outermost value.
        public init(_ reason: String, path: String = "") {
            self.reason = reason
            self.path = path
        }

        public var description: String {
            path.isEmpty ? reason : "\(reason) (at \(path))"
        }

        /// The same error, one level further in.
        func inside(_ component: String) -> DecodingError {
            DecodingError(reason, path: component + path)
        }
    }
}
