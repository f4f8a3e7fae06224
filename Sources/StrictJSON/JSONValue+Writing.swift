extension JSONValue {
    /// Writes the value as one JSON value; with `sortingKeys`, every object's members in the
    /// byte order of their names, so that equal values give equal bytes (a signed request body
    /// is reproducible).
    public func write(to writer: inout JSONWriter, sortingKeys: Bool = false) {
        switch self {
        case .object(let object):
            writer.beginObject()
            for (name, value) in sortingKeys ? object.sortedMembers : object.members {
                writer.key(name)
                value.write(to: &writer, sortingKeys: sortingKeys)
            }
            writer.endObject()
        case .array(let elements):
            writer.beginArray()
            for element in elements {
                writer.element()
                element.write(to: &writer, sortingKeys: sortingKeys)
            }
            writer.endArray()
        case .string(let text): writer.string(text)
        case .number(let text): writer.raw(text)
        case .bool(let flag): writer.bool(flag)
        case .null: writer.null()
        }
    }

    /// The value as compact UTF-8 JSON text, object members sorted by name.
    public var jsonBytes: [UInt8] {
        var writer = JSONWriter(capacity: 256)
        write(to: &writer, sortingKeys: true)
        return writer.bytes
    }

    /// The value as compact JSON text, object members sorted by name.
    public var jsonText: String { String(decoding: jsonBytes, as: UTF8.self) }
}
