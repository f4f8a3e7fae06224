/// Why an upload of questions was refused. Nothing of a refused upload may be written.
///
/// Errors compare by code (docs/contributing.md#errors, after Hummingbird's `PersistError`); `rows` carries the
/// details a 422 response lists. Messages are short and user-facing, and quote at most a short,
/// clipped piece of the upload (an id, a column name), never a body or a whole field. The handler
/// edge maps each code to its HTTP status once (docs/http-contract.md#errors); each code names the status it is
/// meant for.
public struct ImportError: Error, Sendable, CustomStringConvertible {
    /// What kind of refusal this is.
    public enum Code: String, Sendable, Hashable, CaseIterable, Codable {
        /// The body is empty, blank, or holds no questions (`[]`, a CSV header alone). 400.
        case emptyUpload
        /// The content type names a format the importer does not read. 415.
        case unsupportedFormat
        /// The document as a whole cannot be read: JSON that does not parse, a JSON upload that is
        /// not an array, broken CSV quoting, a CSV header with unknown, duplicate or missing
        /// columns, text that is not UTF-8. `rows` may point at the place (for CSV, the line). 400.
        case malformedDocument
        /// The document reads, but rows break the rules; `rows` lists every problem. 422.
        case invalidRows
        /// More questions than one upload may hold. 413.
        case tooManyQuestions
    }

    /// What kind of refusal this is.
    public var code: Code
    /// A one-line summary for the caller.
    public var message: String
    /// Every problem found, in row order, up to `QuestionImporter.Configuration.maxListedErrors`;
    /// empty when the problem has no place.
    public var rows: [RowError]
    /// How many further row errors were found but not listed in `rows`.
    public var unlistedRowErrorCount: Int

    /// An error with the given code, summary and details.
    public init(_ code: Code, _ message: String, rows: [RowError] = [], unlistedRowErrorCount: Int = 0) {
        self.code = code
        self.message = message
        self.rows = rows
        self.unlistedRowErrorCount = unlistedRowErrorCount
    }

    /// `code: message`, and how many row errors follow.
    public var description: String {
        switch rows.count {
        case 0: "\(code.rawValue): \(message)"
        case 1: "\(code.rawValue): \(message) (1 row error)"
        default: "\(code.rawValue): \(message) (\(rows.count) row errors)"
        }
    }

    // MARK: - Factories

    /// A body with no questions in it.
    public static var emptyUpload: ImportError {
        ImportError(.emptyUpload, "the upload contains no questions")
    }

    /// A body sent with a content type the importer does not read.
    public static func unsupportedFormat(contentType: String) -> ImportError {
        let accepted = ImportFormat.allCases.map { $0.mediaTypes[0] }.joined(separator: ", ")
        return ImportError(
            .unsupportedFormat,
            "the content type \(clipped(contentType)) is not supported; send \(accepted)"
        )
    }

    /// A document that cannot be read as a whole.
    public static func malformedDocument(_ message: String, rows: [RowError] = []) -> ImportError {
        ImportError(.malformedDocument, message, rows: rows)
    }

    /// A document whose rows break the rules, with all its problems listed.
    public static func invalidRows(_ rows: [RowError]) -> ImportError {
        invalidRows(listing: rows, invalidRowCount: Set(rows.map(\.row)).count, problemCount: rows.count)
    }

    /// A document with `problemCount` problems in `invalidRowCount` rows, of which `rows` lists
    /// the first.
    static func invalidRows(listing rows: [RowError], invalidRowCount: Int, problemCount: Int) -> ImportError {
        var message =
            invalidRowCount == 1
            ? "1 row of the upload is invalid" : "\(invalidRowCount) rows of the upload are invalid"
        message += "; nothing was imported"
        if problemCount > rows.count {
            message += " (the first \(rows.count) of \(problemCount) problems are listed)"
        }
        return ImportError(.invalidRows, message, rows: rows, unlistedRowErrorCount: problemCount - rows.count)
    }

    /// A document with more than `limit` questions.
    public static func tooManyQuestions(limit: Int) -> ImportError {
        ImportError(.tooManyQuestions, "an upload may hold at most \(limit) questions; split it into smaller uploads")
    }
}

extension ImportError: Equatable {
    /// Errors are equal when their codes are.
    public static func == (lhs: ImportError, rhs: ImportError) -> Bool { lhs.code == rhs.code }
}

/// One problem with one row of an upload.
///
/// `row` is 1-based, as the author sees it: the position in a JSON array, the line of a JSON Lines
/// upload, or the line of a CSV file on which the record starts (the header is line 1).
public struct RowError: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The row, numbered as the author sees it.
    public var row: Int
    /// The row's question id, when it has a usable one.
    public var questionId: String?
    /// The field at fault in the row's own terms: `answers[2].id` or `correctAnswers` in JSON,
    /// the column name (`answer:b`, `correct`) in CSV; `nil` when the row as a whole is at fault.
    public var field: String?
    /// What is wrong, short and user-facing.
    public var message: String

    /// A problem with a row.
    public init(row: Int, questionId: String? = nil, field: String? = nil, message: String) {
        self.row = row
        self.questionId = questionId
        self.field = field
        self.message = message
    }

    /// `row 3 (q-17) answers[1].id: the answer id is required`.
    public var description: String {
        var place = "row \(row)"
        if let questionId { place += " (\(questionId))" }
        if let field { place += " \(field)" }
        return "\(place): \(message)"
    }
}

// MARK: - Quoting user input

/// `value` in double quotes, clipped to 40 characters, for quoting a piece of an upload in a
/// message without echoing a field that may be megabytes long.
func clipped(_ value: some StringProtocol) -> String {
    let limit = 40
    return value.count <= limit ? "\"\(value)\"" : "\"\(value.prefix(limit))…\""
}
