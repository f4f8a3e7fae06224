internal import CCurl

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

    init(bodyLimit: Int, keepsContent: Bool = true) {
        self.bodyLimit = bodyLimit
        self.keepsContent = keepsContent
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
        } else if start > 0 {
            // Leading whitespace (trimmed above): a continuation of the previous value.
            guard !headers.isEmpty else { return }
            headers[headers.count - 1].value += " " + Self.string(line, start, end)
        } else {
            var colon = start
            while colon < end, line[colon] != UInt8(ascii: ":") { colon += 1 }
            guard colon < end else { return }
            var nameEnd = colon
            while nameEnd > start, Self.isSpace(line[nameEnd - 1]) { nameEnd -= 1 }
            var valueStart = colon + 1
            while valueStart < end, Self.isSpace(line[valueStart]) { valueStart += 1 }
            let value = Self.string(line, valueStart, end)
            if Self.isContentLength(line, start, nameEnd) {
                announcedLength = Int(value)
            }
            headers.append((name: Self.string(line, start, nameEnd), value: value))
        }
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
