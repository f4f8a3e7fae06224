import StrictJSON

/// One record of a CSV text: its fields, and the line it starts on (a quoted field may span lines).
struct CSVRecord: Sendable, Hashable {
    /// The 1-based line on which the record starts.
    var line: Int
    /// The fields, unquoted and unescaped.
    var fields: [String]

    /// Whether every field is empty or whitespace, as in the `,,,,` rows spreadsheets leave below
    /// the data.
    var isBlank: Bool {
        fields.allSatisfy { $0.allSatisfy(\.isWhitespace) }
    }
}

/// Where and how a CSV text breaks RFC 4180.
struct CSVSyntaxError: Error, Hashable {
    /// The offending character, or the opening quote of a field that is never closed.
    var position: TextPosition
    /// What is wrong, short and user-facing.
    var reason: String
}

/// Reads the records of a CSV text as RFC 4180 defines them, strictly enough to say where quoting
/// goes wrong.
///
/// Fields are separated by commas; records end at CRLF, LF or a lone CR. A field in double quotes
/// may hold commas, line breaks and quotes written twice (`""`); a line break inside one becomes
/// LF, whatever the file uses. A quote anywhere else, a character after a closing quote, or a quoted
/// field that never closes is an error with its line and column, because guessing would shift every
/// later field of the record into the wrong column.
///
/// Why not a library: the two on offer both fall short for an upload whose errors must point at
/// the line to fix. CSV.swift 2.5.2 (yaslab) and SwiftCSV 0.10.0 both `import Foundation` (for
/// `CharacterSet`, `InputStream` and bundle resources), which on Linux links ICU into every Lambda
/// `bootstrap`; CSV.swift silently accepts a stray quote and a quoted field that never closes;
/// SwiftCSV accepts the latter too, reports other quoting errors without a position and drops
/// spaces before fields; and neither tells on which line a record starts, which is how we number
/// CSV rows. This reader works on UTF-8 bytes the importer has already validated, so it needs
/// nothing beyond the standard library.
struct CSVReader {
    private let bytes: ArraySlice<UInt8>
    private var index: Int
    /// The line `index` is on.
    private var line = 1
    /// Where that line starts, for columns in errors.
    private var lineStart: Int

    /// A reader of the CSV text `bytes`, which must be valid UTF-8.
    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
        self.lineStart = bytes.startIndex
    }

    /// The next record, or `nil` at the end of the text. An empty line is a record with one empty
    /// field; a line break at the very end of the text ends the last record and starts none.
    mutating func nextRecord() throws(CSVSyntaxError) -> CSVRecord? {
        guard index < bytes.endIndex else { return nil }
        let recordLine = line
        var fields: [String] = []
        while true {
            fields.append(try peek() == .quote ? readQuotedField() : readUnquotedField())
            guard let separator = peek() else { break }
            index += 1
            if separator == .comma { continue }
            if separator == .carriageReturn && peek() == .lineFeed { index += 1 }
            startLine()
            break
        }
        return CSVRecord(line: recordLine, fields: fields)
    }

    // MARK: - Fields

    /// A field not in quotes: everything up to the next comma, line break or the end.
    private mutating func readUnquotedField() throws(CSVSyntaxError) -> String {
        let start = index
        while let byte = peek(), byte != .comma, byte != .lineFeed, byte != .carriageReturn {
            if byte == .quote {
                throw syntaxError(at: index, Self.quoteInUnquotedField)
            }
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// A field in quotes, from its opening quote to just after its closing one.
    private mutating func readQuotedField() throws(CSVSyntaxError) -> String {
        // Where the field opens, for the error if it never closes; found lazily, as a column costs
        // a scan of the line.
        let (opening, openingLine, openingLineStart) = (index, line, lineStart)
        index += 1
        var content: [UInt8] = []
        while let byte = peek() {
            index += 1
            switch byte {
            case .quote:
                if peek() == .quote {
                    content.append(.quote)
                    index += 1
                } else if let next = peek(), next != .comma, next != .lineFeed, next != .carriageReturn {
                    throw syntaxError(at: index, Self.textAfterClosingQuote)
                } else {
                    return String(decoding: content, as: UTF8.self)
                }
            case .carriageReturn:
                // CRLF is one line break: the LF that follows ends the line.
                if peek() != .lineFeed {
                    content.append(.lineFeed)
                    startLine()
                }
            case .lineFeed:
                content.append(.lineFeed)
                startLine()
            default:
                content.append(byte)
            }
        }
        let column = TextPosition.column(of: opening, lineStart: openingLineStart, in: bytes)
        throw CSVSyntaxError(position: TextPosition(line: openingLine, column: column), reason: Self.unclosedQuote)
    }

    // MARK: - Errors

    private static let quoteInUnquotedField =
        #"a field that contains a quote must be enclosed in quotes, with the quote doubled ("")"#
    private static let textAfterClosingQuote =
        #"a closing quote must be followed by a comma or a line break; write a quote inside quotes as """#
    private static let unclosedQuote = "the quoted field that starts here is never closed"

    // MARK: - Position

    private func peek() -> UInt8? {
        index < bytes.endIndex ? bytes[index] : nil
    }

    /// Notes that `index` is at the start of a new line.
    private mutating func startLine() {
        line += 1
        lineStart = index
    }

    private func syntaxError(at offset: Int, _ reason: String) -> CSVSyntaxError {
        let column = TextPosition.column(of: offset, lineStart: lineStart, in: bytes)
        return CSVSyntaxError(position: TextPosition(line: line, column: column), reason: reason)
    }
}
