import Foundation
import NIOCore
import QuizTestSupport
import Testing

@testable import local_runner

/// Which files of a folder `serve` will answer with, and how it compares validators.
@Suite("The web app's file table")
struct WebAppFilesTests {
    /// A folder with an app, a hidden file, a file of an unknown type and a symbolic link out.
    static func makeFolder() throws -> String {
        let root = TemporaryDirectory.create(prefix: "quiz-webfiles")
        let files = [
            "index.html": "<!doctype html>", "js/app.js": "export {};", "js/deep/more.js": "export {};", "app.css": "body{}",
            ".secret.json": "{}", "notes.md": "# no", ".hidden/x.js": "x",
        ]
        for (path, text) in files {
            let url = URL(fileURLWithPath: "\(root)/\(path)")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        try FileManager.default.createSymbolicLink(atPath: "\(root)/passwd.txt", withDestinationPath: "/etc/passwd")
        return root
    }

    @Test("only regular, visible files of known types, by exact path")
    func table() throws {
        let root = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = try WebAppFiles(root: URL(fileURLWithPath: root))
        #expect(Set(files.files.keys) == ["/index.html", "/js/app.js", "/js/deep/more.js", "/app.css"])
        #expect(files.file(at: "/")?.body == ByteBuffer(string: "<!doctype html>"))
        #expect(files.file(at: "/js/app.js")?.contentType == "text/javascript; charset=utf-8")
        #expect(files.file(at: "/js/../index.html") == nil)
        #expect(files.file(at: "/passwd.txt") == nil)
        #expect(files.scriptAndStyleBytes == 10 + 10 + 6)
    }

    @Test("a folder without index.html is refused")
    func needsIndex() throws {
        let root = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.removeItem(atPath: "\(root)/index.html")
        #expect(throws: (any Error).self) { try WebAppFiles(root: URL(fileURLWithPath: root)) }
    }

    @Test("ETags follow the bytes")
    func etags() {
        let a = WebAppFiles.File(body: Data("a".utf8), contentType: "text/plain")
        let b = WebAppFiles.File(body: Data("b".utf8), contentType: "text/plain")
        #expect(a.etag != b.etag)
        #expect(a.etag == WebAppFiles.File(body: Data("a".utf8), contentType: "text/css").etag)
        #expect(a.etag.hasPrefix("\"") && a.etag.hasSuffix("-1\""))
    }

    @Test("If-None-Match lists, weak tags and *")
    func validators() {
        let file = WebAppFiles.File(body: Data("x".utf8), contentType: "text/plain")
        #expect(file.isNamed(byIfNoneMatch: file.etag))
        #expect(file.isNamed(byIfNoneMatch: "\"y\", W/\(file.etag)"))
        #expect(file.isNamed(byIfNoneMatch: "*"))
        #expect(!file.isNamed(byIfNoneMatch: "\"y\""))
    }
}
