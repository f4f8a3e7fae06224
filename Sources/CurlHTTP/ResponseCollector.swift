internal import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one transfer has received so far; libcurl's header and write callbacks append to it.
///
/// The callbacks are C function pointers and capture nothing: libcurl hands each call the
/// pointer set with CURLOPT_HEADERDATA / CURLOPT_WRITEDATA, an unretained reference to this
/// object, which ``CurlHTTPClient`` keeps alive until `curl_easy_perform` returns. Everything
/// runs on the thread that called `curl_easy_perform`, so no synchronisation is needed.
final class ResponseCollector {
    /// The most body bytes accepted; one more aborts the transfer.
    let bodyLimit: Int
    /// The header fields of the latest response block.
    private(set) var headers: [(name: String, value: String)] = []
    /// The body bytes so far.
    private(set) var body: [UInt8] = []
    /// Whether the write callback aborted the transfer because of ``bodyLimit``.
    private(set) var exceededBodyLimit = false
    /// The latest response's `Content-Length`, used to allocate the body once.
    private var announcedLength: Int?

    /// Whether header fields and body bytes are kept (see `HTTPRequest.keepsResponseContent`).
    let keepsContent: Bool
    /// Body bytes received and dropped, when the content is not kept.
    private var droppedBodyCount = 0
    /// The only header names kept, when not all are (see `HTTPRequest.keptResponseHeaders`).
    let keptHeaders: [String]?
    /// Whether the latest header line was kept, so a continuation line of a dropped field is
    /// dropped too rather than appended to an earlier one.
    private var keptLatestLine = false

    init(bodyLimit: Int, keepsContent: Bool = true, keptHeaders: [String]? = nil) {
        self.bodyLimit = bodyLimit
        self.keepsContent = keepsContent
        self.keptHeaders = keptHeaders
        // Room for a typical response's headers, so the array is allocated once, not grown.
        if keepsContent { headers.reserveCapacity(12) }
    }

    /// The pointer handed to libcurl as callback context; valid while `self` is alive.
    var context: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(self).toOpaque()
    }

    // MARK: - Callbacks

    /// [CURLOPT_HEADERFUNCTION](https://curl.se/libcurl/c/CURLOPT_HEADERFUNCTION.html): called
    /// once per complete header line, status line and blank line included, CRLF kept.
    static let headerCallback: quiz_curl_data_callback = { data, size, count, context in
        let length = size * count
        guard let data, let context else { return length }
        let collector = Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
        collector.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
        return length
    }

    /// [CURLOPT_WRITEFUNCTION](https://curl.se/libcurl/c/CURLOPT_WRITEFUNCTION.html): called
    /// with each piece of the body. Returning fewer bytes than given makes libcurl stop the
    /// transfer with CURLE_WRITE_ERROR, which is how the body limit is enforced for responses
    /// whose length is not announced (chunked) or that send more than they announced.
    static let bodyCallback: quiz_curl_data_callback = { data, size, count, context in
        let length = size * count
        guard let data, let context else { return length }
        let collector = Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
        return collector.receiveBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
    }

    // MARK: - Headers

    /// Records one header line of the response.
    ///
    /// A status line starts a new response block (an interim `1xx` came first), so the headers
    /// gathered so far are dropped; lines starting with whitespace continue the previous value
    /// (obsolete line folding, [RFC 9112 §5.2](https://www.rfc-editor.org/rfc/rfc9112#section-5.2)).
    /// Byte by byte, with no closure or collection algorithm: it runs for every header line of
    /// every response, and was the runtime loop's largest cost of its own.
    func receiveHeaderLine(_ line: UnsafeRawBufferPointer) {
        guard keepsContent else { return }
        var start = 0
        var end = line.count
        while start < end, Self.isSpace(line[start]) { start += 1 }
        while end > start, Self.isSpace(line[end - 1]) { end -= 1 }
        guard start < end else { return }
        if end - start >= 5, line[start] == UInt8(ascii: "H"), line[start + 1] == UInt8(ascii: "T"), line[start + 2] == UInt8(ascii: "T"),
            line[start + 3] == UInt8(ascii: "P"), line[start + 4] == UInt8(ascii: "/")
        {
            headers.removeAll(keepingCapacity: true)
            announcedLength = nil
            keptLatestLine = false
        } else if start > 0 {
            // Leading whitespace (trimmed above): a continuation of the previous value.
            guard keptLatestLine, !headers.isEmpty else { return }
            headers[headers.count - 1].value += " " + Self.string(line, start, end)
        } else {
            var colon = start
            while colon < end, line[colon] != UInt8(ascii: ":") { colon += 1 }
            guard colon < end else { return }
            var nameEnd = colon
            while nameEnd > start, Self.isSpace(line[nameEnd - 1]) { nameEnd -= 1 }
            var valueStart = colon + 1
            while valueStart < end, Self.isSpace(line[valueStart]) { valueStart += 1 }
            if Self.isContentLength(line, start, nameEnd) {
                announcedLength = Self.decimal(line, valueStart, end)
            }
            let name: String
            if let keptHeaders {
                guard let index = Self.index(of: line, start, nameEnd, in: keptHeaders) else {
                    keptLatestLine = false
                    return
                }
                name = keptHeaders[index]
            } else {
                name = Self.string(line, start, nameEnd)
            }
            headers.append((name: name, value: Self.string(line, valueStart, end)))
            keptLatestLine = true
        }
    }

    /// The index in `names` of the name `start..<end` of `line`, ignoring ASCII case.
    private static func index(of line: UnsafeRawBufferPointer, _ start: Int, _ end: Int, in names: [String]) -> Int? {
        for (index, name) in names.enumerated() where name.utf8.count == end - start {
            let same = name.withUTF8Buffer { expected in
                // The spelling asked for is the one servers send, most of the time.
                if memcmp(line.baseAddress! + start, expected.baseAddress!, expected.count) == 0 { return true }
                for offset in 0..<expected.count where line[start + offset] != expected[offset] {
                    // Equal only as the two cases of one ASCII letter.
                    let folded = line[start + offset] | 0x20
                    guard folded == expected[offset] | 0x20, folded >= UInt8(ascii: "a"), folded <= UInt8(ascii: "z") else { return false }
                }
                return true
            }
            if same { return index }
        }
        return nil
    }

    /// The decimal number `start..<end` of `line`, as `Int(String)` reads it: digits only,
    /// an optional leading `+`, and `nil` when empty, anything else, or too large.
    private static func decimal(_ line: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int? {
        var index = start
        if index < end, line[index] == UInt8(ascii: "+") { index += 1 }
        guard index < end else { return nil }
        var value = 0
        while index < end {
            let digit = Int(line[index]) - Int(UInt8(ascii: "0"))
            guard digit >= 0, digit <= 9 else { return nil }
            let (times10, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowedAgain) = times10.addingReportingOverflow(digit)
            guard !overflowed, !overflowedAgain else { return nil }
            value = sum
            index += 1
        }
        return value
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    /// The bytes `start..<end` of `line` as a string (invalid UTF-8 repaired).
    private static func string(_ line: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
    }

    /// Whether `start..<end` of `line` is `Content-Length`, ignoring case.
    private static func isContentLength(_ line: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        let name: StaticString = "content-length"
        guard end - start == name.utf8CodeUnitCount else { return false }
        return name.withUTF8Buffer { expected in
            for index in 0..<expected.count where line[start + index] | 0x20 != expected[index] {
                // `| 0x20` lowers ASCII letters; `-` (0x2D) is unchanged by it.
                return false
            }
            return true
        }
    }

    // MARK: - Body

    /// Appends a piece of the body; `false` (stop the transfer) when it would pass the limit.
    func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard chunk.count <= bodyLimit - body.count - droppedBodyCount else {
            exceededBodyLimit = true
            return false
        }
        guard keepsContent else {
            droppedBodyCount += chunk.count
            return true
        }
        // Growing a multi-megabyte array by doubling copies it about log2(n / 16 KiB) times;
        // when the length is announced (and allowed), allocate it once instead.
        if let announcedLength, announcedLength <= bodyLimit, body.capacity < announcedLength {
            body.reserveCapacity(announcedLength)
        }
        body.append(contentsOf: chunk)
        return true
    }
}
