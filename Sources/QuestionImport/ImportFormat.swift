import StrictJSON

/// The formats an upload of questions may come in (docs/http-contract.md#importing-questions).
///
/// The format comes from the `Content-Type` header when that names one; a missing or generic
/// content type leaves it to the body's first character (`declared(byContentType:)`,
/// `sniffed(from:)`).
public enum ImportFormat: String, Sendable, Hashable, CaseIterable, Codable {
    /// A JSON array of question objects.
    case jsonArray = "json"
    /// JSON Lines: one question object per line; blank lines are ignored.
    case jsonLines = "jsonl"
    /// CSV with a header row, UTF-8, in this layout.
    ///
    /// The first non-blank row is the header. Columns are found by name, in any order; names are
    /// matched ignoring case and surrounding spaces.
    ///
    /// | column | required | holds |
    /// |---|---|---|
    /// | `id` | yes | the question id |
    /// | `text` | yes | the question text |
    /// | `correct` | yes | the ids of the correct answers, separated by `\|` (`b` or `a\|c`) |
    /// | `answer:<choiceId>` | at least two | the text of choice `<choiceId>`, e.g. `answer:a`, `answer:b` |
    /// | `category` | no | the category |
    /// | `explanation` | no | why the correct answers are correct |
    /// | `source` | no | where the question comes from |
    ///
    /// A row uses the answer columns that are not empty, in header order, so a bank whose questions
    /// have 2 to 5 choices has five answer columns and leaves the unused ones empty. Any other
    /// column name is an error naming it, so a typo such as `anwser:b` fails instead of silently
    /// dropping a choice. Every row has as many fields as the header; blank rows are skipped.
    /// Values are trimmed of surrounding whitespace, and an empty optional value means none.
    ///
    /// Quoting follows RFC 4180: a field holding a comma, a double quote or a line break is enclosed
    /// in double quotes, with each double quote inside written twice. Lines may end in CRLF or LF.
    /// Row numbers in errors are the line on which a row starts, the header being line 1.
    ///
    /// ```
    /// id,category,text,answer:a,answer:b,answer:c,correct,explanation
    /// q-1,algebra,What is 2 + 2?,3,4,5,b,
    /// q-2,algebra,"Which are even, of these?",2,3,4,a|c,"Both ""2"" and ""4"" are
    /// divisible by 2."
    /// ```
    case csv

    /// The media types that name this format, the preferred one first.
    public var mediaTypes: [String] {
        switch self {
        case .jsonArray: ["application/json"]
        case .jsonLines: ["application/x-ndjson", "application/jsonl", "application/x-jsonlines"]
        case .csv: ["text/csv"]
        }
    }

    /// Media types that say nothing about the format, so the body decides.
    ///
    /// `application/vnd.ms-excel` is here because browsers on Windows send it for any `.csv` file
    /// when Excel is installed; a real Excel workbook sent with it fails the UTF-8 check instead.
    public static let genericMediaTypes: Set<String> = [
        "text/plain", "application/octet-stream", "application/vnd.ms-excel",
    ]

    // MARK: - Choosing a format

    /// The format a `Content-Type` header declares, or `nil` when the header is missing, blank or
    /// generic and the body must be sniffed.
    ///
    /// Parameters such as `; charset=utf-8` are ignored and media types compare case-insensitively
    /// (RFC 9110 §8.3.1). Only UTF-8 is read; a body in another charset fails the UTF-8 check.
    /// - Throws: `ImportError.Code.unsupportedFormat` for any other content type.
    public static func declared(byContentType contentType: String?) throws(ImportError) -> ImportFormat? {
        guard let contentType else { return nil }
        let mediaType = (contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmed()
            .lowercased()
        if mediaType.isEmpty || genericMediaTypes.contains(mediaType) {
            return nil
        }
        guard let format = allCases.first(where: { $0.mediaTypes.contains(mediaType) }) else {
            throw .unsupportedFormat(contentType: mediaType)
        }
        return format
    }

    /// The format a body looks like, or `nil` when it is blank: after an optional UTF-8 byte order
    /// mark and whitespace, `[` starts a JSON array, `{` starts JSON Lines, anything else is CSV.
    public static func sniffed(from body: some Collection<UInt8>) -> ImportFormat? {
        var bytes = body[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes = bytes.dropFirst(3)
        }
        switch bytes.first(where: { !$0.isJSONWhitespace }) {
        case nil: return nil
        case UInt8(ascii: "["): return .jsonArray
        case UInt8(ascii: "{"): return .jsonLines
        default: return .csv
        }
    }
}

// MARK: - Reading

// Each format is read into one draft per row; the drafts are checked afterwards by the same
// `QuestionValidator` whatever the format, and only whole-document problems are thrown here.
//
// JSON is read by the one strict parser (`JSONParser`), not `JSONDecoder`: reading without a
// schema through `Decoder` means trying one type after another, and each failed try costs about
// 15 µs (it builds a `DecodingError`), so decoding a 5,000-question bank that way took 4.2 s of
// Lambda time in a release build; on Linux `JSONDecoder` also reports no position for malformed
// JSON, and it accepts trailing commas and raw line breaks in strings, which the RFC (and
// `JSON.parse` in the author's browser) refuse. Members named twice keep the last value, as
// `JSON.parse` does.
extension ImportFormat {
    /// How uploads are parsed: as deep as `JSONDecoder` goes, repeated names as `JSON.parse`.
    static let jsonOptions = JSONParser.Options(maximumDepth: 512, duplicateNames: .keepLast)
}

extension ImportFormat {
    /// One draft per question row of the UTF-8 text `bytes`, in upload order.
    /// - Throws: `ImportError` for a document that cannot be read as a whole, or that holds more
    ///   than `configuration.maxQuestions` questions.
    func drafts(
        from bytes: ArraySlice<UInt8>, configuration: QuestionImporter.Configuration
    ) throws(ImportError) -> [QuestionDraft] {
        switch self {
        case .jsonArray: try Self.jsonArrayDrafts(bytes, maxQuestions: configuration.maxQuestions)
        case .jsonLines: try Self.jsonLinesDrafts(bytes, maxQuestions: configuration.maxQuestions)
        case .csv: try Self.csvDrafts(bytes, configuration: configuration)
        }
    }

    // MARK: JSON array

    /// One draft per element of a JSON array; row numbers are array positions counted from 1.
    private static func jsonArrayDrafts(
        _ bytes: ArraySlice<UInt8>, maxQuestions: Int
    ) throws(ImportError) -> [QuestionDraft] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, options: jsonOptions)
        } catch {
            let position = TextPosition.of(offset: bytes.startIndex + error.offset, in: bytes)
            throw .malformedDocument("the upload is not valid JSON: \(position): \(error.reason)")
        }
        guard case .array(let elements) = value else {
            throw .malformedDocument(
                "a JSON upload must be an array of questions, not \(value.kindDescription); "
                    + "send one question object per line as application/x-ndjson"
            )
        }
        guard elements.count <= maxQuestions else {
            throw .tooManyQuestions(limit: maxQuestions)
        }
        return elements.indices.map { QuestionDraft(json: elements[$0], row: $0 + 1) }
    }

    // MARK: JSON Lines

    /// One draft per non-blank line (https://jsonlines.org); row numbers are line numbers. A line
    /// that is not valid JSON is an error of that row alone, so the other rows are still checked.
    private static func jsonLinesDrafts(
        _ bytes: ArraySlice<UInt8>, maxQuestions: Int
    ) throws(ImportError) -> [QuestionDraft] {
        var drafts: [QuestionDraft] = []
        for (index, rawLine) in bytes.split(separator: .lineFeed, omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.last == .carriageReturn ? rawLine.dropLast() : rawLine
            if line.allSatisfy(\.isJSONWhitespace) { continue }
            guard drafts.count < maxQuestions else {
                throw .tooManyQuestions(limit: maxQuestions)
            }
            let row = index + 1
            do {
                drafts.append(QuestionDraft(json: try JSONParser.parse(line, options: jsonOptions), row: row))
            } catch {
                let column = TextPosition.column(of: line.startIndex + error.offset, lineStart: line.startIndex, in: line)
                drafts.append(.unreadable(row: row, "the line is not valid JSON at column \(column): \(error.reason)"))
            }
        }
        return drafts
    }

    // MARK: CSV

    /// One draft per non-blank record after the header (see `CSVQuestionLayout`); row numbers are
    /// the lines on which records start.
    private static func csvDrafts(
        _ bytes: ArraySlice<UInt8>, configuration: QuestionImporter.Configuration
    ) throws(ImportError) -> [QuestionDraft] {
        var reader = CSVReader(bytes)
        var layout: CSVQuestionLayout?
        var drafts: [QuestionDraft] = []
        while let record = try Self.nextRecord(of: &reader) {
            if record.isBlank { continue }
            guard let layout else {
                layout = try CSVQuestionLayout(header: record, maxListedErrors: configuration.maxListedErrors)
                continue
            }
            // Checked before reading on, so an oversized file is refused without reading it all.
            guard drafts.count < configuration.maxQuestions else {
                throw .tooManyQuestions(limit: configuration.maxQuestions)
            }
            drafts.append(layout.draft(from: record))
        }
        return drafts
    }

    /// The next record of `reader`, with a syntax error reported as a malformed document.
    private static func nextRecord(of reader: inout CSVReader) throws(ImportError) -> CSVRecord? {
        do {
            return try reader.nextRecord()
        } catch {
            let position = error.position
            throw .malformedDocument(
                "the CSV is malformed at \(position): \(error.reason)",
                rows: [RowError(row: position.line, message: "column \(position.column): \(error.reason)")]
            )
        }
    }
}
