/// A `.env` file (`--env-file`), read in the common dotenv format, exactly as
/// docs/local-runner.md ("Environment files") describes it:
///
/// - one `NAME=VALUE` per line, `NAME` of letters, digits and `_`, not starting with a digit;
///   spaces around the `=` are allowed, and so is an `export ` before the name (a file a shell
///   can also `source`);
/// - blank lines, and lines whose first non-blank character is `#`, are skipped;
/// - a bare value runs to the end of the line, without its leading and trailing blanks; a `#`
///   after a blank starts a comment;
/// - `'…'` keeps everything between the quotes as it is; `"…"` turns `\n`, `\r`, `\t`, `\"`
///   and `\\` into what they stand for and keeps any other backslash; both may span lines, and
///   only blanks or a comment may follow the closing quote;
/// - no `${VAR}` expansion: a `$` is a `$`;
/// - a later line for the same name wins.
///
/// Anything else (a line with no `=`, a bad name, an unclosed quote, a NUL byte, bytes that
/// are not UTF-8) is an error naming the line, rather than a guess.
struct EnvironmentFile: Sendable, Equatable {
    /// The variables, by name.
    var variables: [String: String]

    /// Why a file was refused.
    struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The 1-based line where the problem is.
        var line: Int
        /// What is wrong there.
        var reason: String

        var description: String { "line \(line): \(reason)" }
    }

    /// Parses the file's bytes.
    init(parsing bytes: [UInt8]) throws(ParseError) {
        guard !bytes.contains(0) else {
            throw ParseError(line: bytes.prefix { $0 != 0 }.filter { $0 == UInt8(ascii: "\n") }.count + 1, reason: "a NUL byte")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ParseError(line: 1, reason: "the file is not UTF-8 text")
        }
        var parser = Parser(text: Array(text.unicodeScalars))
        variables = try parser.parse()
    }

    /// Parses `text`.
    init(parsing text: String) throws(ParseError) {
        try self.init(parsing: Array(text.utf8))
    }
}

// MARK: - Parsing

extension EnvironmentFile {
    private struct Parser {
        let text: [Unicode.Scalar]
        var index = 0
        var line = 1

        init(text: [Unicode.Scalar]) { self.text = text }

        private var current: Unicode.Scalar? { index < text.count ? text[index] : nil }

        private mutating func advance() {
            if text[index] == "\n" { line += 1 }
            index += 1
        }

        private mutating func skipBlanks() {
            while let scalar = current, scalar == " " || scalar == "\t" { advance() }
        }

        /// Skips to the start of the next line; the rest must be blank or a comment.
        private mutating func endLine(allowingText: Bool = false) throws(ParseError) {
            skipBlanks()
            if current == "\r" { advance() }
            guard let scalar = current else { return }
            if scalar == "\n" {
                advance()
                return
            }
            guard scalar == "#" || allowingText else { throw ParseError(line: line, reason: "unexpected text after the value") }
            while let scalar = current, scalar != "\n" { advance() }
            if current == "\n" { advance() }
        }

        mutating func parse() throws(ParseError) -> [String: String] {
            var variables: [String: String] = [:]
            while current != nil {
                skipBlanks()
                guard let scalar = current else { break }
                if scalar == "\n" || scalar == "\r" || scalar == "#" {
                    try endLine(allowingText: true)
                    continue
                }
                var name = readName()
                skipBlanks()
                if name == "export", let next = current, Self.isNameStart(next) {
                    name = readName()
                    skipBlanks()
                }
                guard !name.isEmpty, !name.first!.isNumber else { throw ParseError(line: line, reason: "expected NAME=VALUE") }
                guard current == "=" else { throw ParseError(line: line, reason: "expected = after \(name)") }
                advance()
                skipBlanks()
                variables[name] = try readValue()
            }
            return variables
        }

        private static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "_" || (scalar.isASCII && scalar.properties.isAlphabetic)
        }

        private mutating func readName() -> String {
            var name = ""
            while let scalar = current, scalar == "_" || (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))) {
                name.unicodeScalars.append(scalar)
                advance()
            }
            return name
        }

        private mutating func readValue() throws(ParseError) -> String {
            switch current {
            case "'": return try readQuoted(closing: "'", escapes: false)
            case "\"": return try readQuoted(closing: "\"", escapes: true)
            default: break
            }
            var value = ""
            // A `#` starts a comment after a blank of the value, not as its first character.
            var previous: Unicode.Scalar = "="
            while let scalar = current, scalar != "\n" {
                if scalar == "#", previous == " " || previous == "\t" { break }
                value.unicodeScalars.append(scalar)
                previous = scalar
                advance()
            }
            try endLine(allowingText: true)
            while let last = value.unicodeScalars.last, last == " " || last == "\t" || last == "\r" {
                value.unicodeScalars.removeLast()
            }
            return value
        }

        private mutating func readQuoted(closing: Unicode.Scalar, escapes: Bool) throws(ParseError) -> String {
            let opening = line
            advance()
            var value = ""
            while true {
                guard let scalar = current else { throw ParseError(line: opening, reason: "a quoted value is never closed") }
                advance()
                if scalar == closing { break }
                guard escapes, scalar == "\\", let next = current else {
                    value.unicodeScalars.append(scalar)
                    continue
                }
                let escaped: Unicode.Scalar? =
                    switch next {
                    case "n": "\n"
                    case "r": "\r"
                    case "t": "\t"
                    case "\"": "\""
                    case "\\": "\\"
                    default: nil
                    }
                if let escaped {
                    value.unicodeScalars.append(escaped)
                    advance()
                } else {
                    value.unicodeScalars.append(scalar)
                }
            }
            try endLine()
            return value
        }
    }
}
