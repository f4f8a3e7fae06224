/// A place in a text as an editor shows it: a 1-based line and column.
///
/// Lines break at LF, CRLF and a lone CR (old Mac exports); a column counts Unicode scalars, so a
/// line of `é…` puts the character after `é` in column 2 however many UTF-8 bytes `é` takes.
/// JSON parse errors and the CSV reader of question imports place their errors with it.
public struct TextPosition: Hashable, Sendable, CustomStringConvertible {
    /// The 1-based line.
    public var line: Int
    /// The 1-based column, in Unicode scalars.
    public var column: Int

    /// A position.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line 3, column 7`.
    public var description: String { "line \(line), column \(column)" }

    /// The position of the byte at `offset` (from the start) of the UTF-8 text `bytes`.
    public static func of(offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> TextPosition {
        var line = 1
        var lineStart = 0
        var index = 0
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            index += 1
            let isLineBreak =
                byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && (index == bytes.count || bytes[index] != UInt8(ascii: "\n")))
            if isLineBreak {
                line += 1
                lineStart = index
            }
        }
        return TextPosition(line: line, column: column(of: offset, lineStart: lineStart, in: bytes))
    }

    /// The position of the byte at index `offset` of `bytes`, counted from the slice's start.
    public static func of(offset: Int, in bytes: ArraySlice<UInt8>) -> TextPosition {
        bytes.withUnsafeBufferPointer { of(offset: offset - bytes.startIndex, in: $0) }
    }

    /// The 1-based column of byte `offset` on the line starting at byte `lineStart`.
    public static func column(of offset: Int, lineStart: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        // Every scalar has exactly one byte that is not a continuation byte (0b10xx_xxxx).
        var column = 1
        for index in lineStart..<min(offset, bytes.count) where bytes[index] & 0b1100_0000 != 0b1000_0000 { column += 1 }
        return column
    }

    /// The 1-based column of the byte at index `offset` of `bytes` on the line starting at index
    /// `lineStart` (indices of the slice).
    public static func column(of offset: Int, lineStart: Int, in bytes: ArraySlice<UInt8>) -> Int {
        1 + bytes[lineStart..<offset].count { $0 & 0b1100_0000 != 0b1000_0000 }
    }
}
