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

    init(bodyLimit: Int) {
        self.bodyLimit = bodyLimit
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
    func receiveHeaderLine(_ line: UnsafeRawBufferPointer) {
        let content = Self.trimmed(line[...])
        guard let first = content.first else { return }
        if content.starts(with: "HTTP/".utf8) {
            headers.removeAll(keepingCapacity: true)
            announcedLength = nil
        } else if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            guard !headers.isEmpty else { return }
            headers[headers.count - 1].value += " " + String(decoding: content, as: UTF8.self)
        } else if let colon = content.firstIndex(of: UInt8(ascii: ":")) {
            let name = String(decoding: Self.trimmed(content[..<colon]), as: UTF8.self)
            let value = String(decoding: Self.trimmed(content[(colon + 1)...]), as: UTF8.self)
            headers.append((name: name, value: value))
            if HTTPHeaderName.equal(name, "Content-Length") {
                announcedLength = Int(value)
            }
        }
    }

    // MARK: - Body

    /// Appends a piece of the body; `false` (stop the transfer) when it would pass the limit.
    func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard chunk.count <= bodyLimit - body.count else {
            exceededBodyLimit = true
            return false
        }
        // Growing a multi-megabyte array by doubling copies it about log2(n / 16 KiB) times;
        // when the length is announced (and allowed), allocate it once instead.
        if let announcedLength, announcedLength <= bodyLimit, body.capacity < announcedLength {
            body.reserveCapacity(announcedLength)
        }
        body.append(contentsOf: chunk)
        return true
    }

    /// Removes leading and trailing spaces, tabs, CRs and LFs.
    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }),
            let end = bytes.lastIndex(where: { !isSpace($0) })
        else { return bytes[bytes.startIndex..<bytes.startIndex] }
        return bytes[start...end]
    }
}
