import Foundation
import QuizTestSupport
import Testing

/// How `local-runner serve` serves the web app over real HTTP: types, caching, the security
/// policy, the size budget, and that the API keeps every path of its own.
@Suite("Serving the web app")
struct WebAppServingTests {
    static let webRoot = WebAppServe.packageRoot.appendingPathComponent("web")

    static let policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; manifest-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'"

    @Test("the shipped JavaScript and CSS stay under 150 KB, uncompressed")
    func sizeBudget() throws {
        var bytes = 0
        var files: [String] = []
        let walker = try #require(FileManager.default.enumerator(at: Self.webRoot, includingPropertiesForKeys: [.fileSizeKey]))
        for case let url as URL in walker where ["js", "css"].contains(url.pathExtension) {
            bytes += try url.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0
            files.append(url.lastPathComponent)
        }
        #expect(files.contains("main.js") && files.contains("app.css"))
        #expect(bytes < 150 * 1024, "JS + CSS is \(bytes) bytes in \(files.count) files")
    }

    @Test("every file has its content type, a validator, no-cache and the security headers; 304 when unchanged")
    func headers() async throws {
        let serve = try await WebAppServe(arguments: ["--workers", "1"])
        let client = WebClient(port: serve.port)
        let expected = [
            "/": "text/html; charset=utf-8", "/index.html": "text/html; charset=utf-8", "/js/main.js": "text/javascript; charset=utf-8",
            "/js/screens/quiz.js": "text/javascript; charset=utf-8", "/app.css": "text/css; charset=utf-8",
            "/favicon.svg": "image/svg+xml", "/config.json": "application/json",
        ]
        for (path, type) in expected {
            let response = try await client.send("GET", path)
            #expect(response.status == 200, "\(path)")
            #expect(response.header("content-type") == type, "\(path)")
            #expect(response.header("cache-control") == "no-cache", "\(path)")
            #expect(response.header("content-security-policy") == Self.policy, "\(path)")
            #expect(response.header("x-content-type-options") == "nosniff", "\(path)")
            #expect(response.header("referrer-policy") == "no-referrer", "\(path)")
            #expect(response.header("cross-origin-opener-policy") == "same-origin", "\(path)")
            let etag = try #require(response.header("etag"), "\(path)")
            let again = try await client.send("GET", path, headers: ["If-None-Match": etag])
            #expect(again.status == 304 && again.body.isEmpty, "\(path)")
            let weak = try await client.send("GET", path, headers: ["If-None-Match": "\"other\", W/\(etag)"])
            #expect(weak.status == 304, "\(path)")
            let stale = try await client.send("GET", path, headers: ["If-None-Match": "\"other\""])
            #expect(stale.status == 200 && stale.body == response.body, "\(path)")
        }
        let index = try await client.send("GET", "/")
        #expect(index.body == (try Data(contentsOf: Self.webRoot.appendingPathComponent("index.html"))))
        let head = try await client.send("HEAD", "/js/main.js")
        #expect(head.status == 200 && head.body.isEmpty)
        let mainJS = try Data(contentsOf: Self.webRoot.appendingPathComponent("js/main.js"))
        #expect(head.header("content-length") == String(mainJS.count), "HEAD says how long the file is")
        await serve.stop()
    }

    @Test("the API keeps its paths: nothing outside web/ is served, unknown paths are the API's JSON 404")
    func apiUntouched() async throws {
        let serve = try await WebAppServe(arguments: ["--workers", "1"])
        let client = WebClient(port: serve.port)
        // (Literal dot segments never reach the server: the client removes them, as browsers do.)
        for path in ["/%2e%2e/Package.swift", "/js/%2e%2e/index.html", "/README.md", "/.gitignore", "/js/", "/nope.html", "/index.html/", "/js%2fmain.js"] {
            let response = try await client.send("GET", path)
            #expect(response.status == 404, "\(path): \(response.status)")
            #expect(response.errorCode == "NOT_FOUND", "\(path): \(response.text)")
            #expect(response.header("content-security-policy") == nil, "\(path)")
        }
        let health = try await client.send("GET", "/health")
        #expect(health.status == 200 && health.json["status"] as? String == "ok")
        let unauthenticated = try await client.send("GET", "/sessions/abc")
        #expect(unauthenticated.status == 401 && unauthenticated.errorCode == "UNAUTHENTICATED")
        let post = try await client.send("POST", "/index.html", body: Data("x".utf8))
        #expect(post.status == 405 && post.errorCode == "METHOD_NOT_ALLOWED", "POST to a file: \(post.status)")
        #expect(post.header("allow") == "GET, HEAD")
        await serve.stop()
    }

    @Test("config.json describes this runner's sign-in, whatever file of that name web/ holds")
    func configuration() async throws {
        let on = try await WebAppServe(arguments: ["--workers", "1"])
        let config = try await WebClient(port: on.port).send("GET", "/config.json")
        #expect(config.text == #"{"apiBaseUrl":"","signIn":{"authorGroup":"authors","authors":false,"method":"dev"}}"#)
        await on.stop()

        let off = try await WebAppServe(arguments: ["--workers", "1", "--no-dev-login"])
        let offConfig = try await WebClient(port: off.port).send("GET", "/config.json")
        #expect(offConfig.text == #"{"apiBaseUrl":"","signIn":{"authorGroup":"authors","method":"token"}}"#)
        await off.stop()
    }

    @Test("--web-root serves another folder; one without index.html stops serve before any worker starts")
    func webRoot() async throws {
        let root = TemporaryDirectory.create(prefix: "quiz-webroot")
        defer { try? FileManager.default.removeItem(atPath: root) }

        let refused = Process()
        refused.executableURL = WebAppServe.executable
        refused.arguments = ["serve", "--port", "0", "--web-root", root]
        refused.environment = ProcessInfo.processInfo.environment.merging(["QUIZ_STORE_URL": "sqlite:\(root)/quiz.db", "QUIZ_DATA_DIR": root]) { $1 }
        let errors = Pipe()
        refused.standardError = errors
        refused.standardOutput = FileHandle.nullDevice
        try refused.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        refused.waitUntilExit()
        #expect(refused.terminationStatus != 0)
        #expect(text.contains("holds no index.html"), "\(text)")
        #expect(!text.contains("serving http"), "\(text)")

        try Data("<!doctype html><title>mine</title>".utf8).write(to: URL(fileURLWithPath: "\(root)/index.html"))
        let serve = try await WebAppServe(arguments: ["--workers", "1", "--web-root", root])
        let index = try await WebClient(port: serve.port).send("GET", "/")
        #expect(index.text == "<!doctype html><title>mine</title>")
        let config = try await WebClient(port: serve.port).send("GET", "/config.json")
        #expect(config.status == 200 && config.header("content-type") == "application/json")
        let missing = try await WebClient(port: serve.port).send("GET", "/js/main.js")
        #expect(missing.status == 404 && missing.errorCode == "NOT_FOUND")
        await serve.stop()
    }
}
