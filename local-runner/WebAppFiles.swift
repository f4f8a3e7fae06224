import ArgumentParser
import Foundation
import NIOCore

/// The web app's static files, read once when `serve` starts and answered from memory
/// (docs/web-app.md): no file system access per request, and nothing outside the folder can ever
/// be served, because a request path is only ever looked up in this table, never joined to a
/// directory.
struct WebAppFiles: Sendable {
    /// One file as it is served.
    struct File: Sendable {
        /// The bytes, sent as they are: one buffer shared by every response (copy on write),
        /// whatever the file holds.
        var body: ByteBuffer
        /// The `Content-Type`.
        var contentType: String
        /// A strong validator of the bytes (RFC 9110 §8.8.3), quoted.
        var etag: String

        /// A file of these bytes; its ETag is their FNV-1a hash.
        init(body: Data, contentType: String) {
            self.body = ByteBuffer(bytes: body)
            self.contentType = contentType
            self.etag = "\"\(Self.fnv1a(body))-\(body.count)\""
        }

        /// Whether an `If-None-Match` list names this file's ETag, by the weak comparison RFC 9110
        /// §13.1.2 asks for (`W/` ignored; `*` names any).
        func isNamed(byIfNoneMatch list: String) -> Bool {
            list.split(separator: ",").contains { candidate in
                let tag = candidate.trimmingCharacters(in: .whitespaces)
                return tag == "*" || (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == etag
            }
        }

        /// 64-bit FNV-1a, as hex: a validator only, never a security boundary.
        static func fnv1a(_ bytes: Data) -> String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            return String(hash, radix: 16)
        }
    }

    /// The types served, by file extension; a file of any other type is not served. JavaScript
    /// is `text/javascript` (RFC 9239); browsers refuse a module of any non-JavaScript type.
    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "json": "application/json",
        "svg": "image/svg+xml",
        "png": "image/png",
        "ico": "image/vnd.microsoft.icon",
        "webmanifest": "application/manifest+json",
        "txt": "text/plain; charset=utf-8",
    ]

    /// The policy sent with every file: scripts, styles, images and requests only from this
    /// origin, no inline script or style, DOM injection sinks closed by Trusted Types, no framing.
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
        "manifest-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
        "require-trusted-types-for 'script'", "trusted-types 'none'",
    ].joined(separator: "; ")

    /// The most the folder may hold: it is kept in memory.
    static let totalLimit = 16 << 20

    /// The files by request path (`/index.html`, `/js/main.js`).
    private(set) var files: [String: File]

    /// The files under `root`: every regular file of a known type, in any subfolder, except
    /// hidden ones (a name starting with `.`) and symbolic links.
    init(root: URL) throws {
        let root = root.standardizedFileURL.resolvingSymlinksInPath()
        guard
            let walker = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey, .fileSizeKey],
                options: [.skipsHiddenFiles])
        else { throw ValidationError("cannot read the web app folder \(root.path)") }
        var files: [String: File] = [:]
        var total = 0
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey, .fileSizeKey])
            guard values.isRegularFile == true, values.isSymbolicLink != true,
                let contentType = Self.contentTypes[url.pathExtension.lowercased()]
            else { continue }
            let relative = url.standardizedFileURL.path.dropFirst(root.path.count)
            guard relative.hasPrefix("/") else { continue }
            let body = try Data(contentsOf: url)
            total += body.count
            guard total <= Self.totalLimit else {
                throw ValidationError("the web app folder \(root.path) holds more than \(Self.totalLimit >> 20) MB")
            }
            files[String(relative)] = File(body: body, contentType: contentType)
        }
        guard files["/index.html"] != nil else { throw ValidationError("the web app folder \(root.path) holds no index.html") }
        self.files = files
    }

    /// The file a request path names: `/` is `/index.html`; `nil` for anything else not in the table.
    func file(at path: String) -> File? {
        files[path == "/" ? "/index.html" : path]
    }

    /// Replaces (or adds) the file at `path`: how `serve` puts its own `config.json` in place of
    /// any file of that name.
    mutating func set(_ file: File, at path: String) {
        files[path] = file
    }

    /// Bytes of JavaScript and CSS, the two kinds the app's size budget counts.
    var scriptAndStyleBytes: Int {
        files.values.filter { $0.contentType.hasPrefix("text/javascript") || $0.contentType.hasPrefix("text/css") }
            .reduce(0) { $0 + $1.body.readableBytes }
    }
}
