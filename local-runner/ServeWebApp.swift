import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1
import QuizBootstrap
import QuizHTTP

/// The learner's web app as `local-runner serve` serves it beside the API (docs/web-app.md):
/// the files of its folder at their exact paths, and the dev login at `POST /dev/token`.
///
/// Both are routes of ``ServeGateway``, taken only for paths no API route claims, so the API
/// keeps all of its own paths and errors (an unknown path is still the API's JSON 404), and
/// both go through the gateway's limits like any request: the connection cap and timeouts, no
/// body on `GET` or `HEAD`, the dev login's body read within ``DevLogin/bodyLimit``.
struct ServeWebApp: Sendable {
    /// The app's files, with this runner's `config.json`; `nil` when serve found no web app.
    let files: WebAppFiles?
    /// The dev login; `nil` with `--no-dev-login`.
    let devLogin: DevLogin?

    /// No web app: the API alone.
    static let none = ServeWebApp(files: nil, devLogin: nil)

    /// The route of a request that no API route claims: a file (`GET`/`HEAD` only), the dev
    /// login (`POST` only), or `nil` when the web app has nothing at `path` either.
    ///
    /// - Throws: 405 `METHOD_NOT_ALLOWED`, with `Allow`, for another method on one of them.
    func route(_ method: NIOHTTP1.HTTPMethod, path: String) throws(APIError) -> ServeGateway.Route? {
        let requested = QuizHTTP.HTTPMethod(rawValue: method.rawValue)
        if path == DevLogin.path, let devLogin {
            guard method == .POST else { throw .methodNotAllowed(requested, allowed: [.post]) }
            return .devLogin(devLogin)
        }
        if let file = files?.file(at: path) {
            guard method == .GET || method == .HEAD else { throw .methodNotAllowed(requested, allowed: [.get, .head]) }
            return .file(file, path: path)
        }
        return nil
    }

    // MARK: - Files

    /// The answer for `file`: the file, or 304 when the browser's copy is current. `no-cache`
    /// makes the browser revalidate every file on every load: without a build step the files
    /// have no hashed names, and a stale module mixed with fresh ones is worse than a 304 on
    /// loopback. The bytes go with a 304 and a `HEAD` too, never sent
    /// (``ServeResponse/bodyIsOmitted(for:)``): for a `HEAD`, `content-length` counts them.
    static func response(_ file: WebAppFiles.File, to head: HTTPRequestHead) -> ServeResponse {
        var headers = fileHeaders
        headers.add(name: "content-type", value: file.contentType)
        headers.add(name: "etag", value: file.etag)
        let tags = head.headers["if-none-match"]
        let current = !tags.isEmpty && file.isNamed(byIfNoneMatch: tags.joined(separator: ","))
        return ServeResponse(status: current ? .notModified : .ok, headers: headers, body: file.body)
    }

    /// The headers every file is sent with besides its type and validator: caching, the
    /// content security policy and the other policies of docs/web-app.md.
    static let fileHeaders: NIOHTTP1.HTTPHeaders = [
        "cache-control": "no-cache",
        "content-security-policy": WebAppFiles.contentSecurityPolicy,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-resource-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    ]
}

// MARK: - Composition

extension WebAppOptions {
    /// The app found by ``resolvedWebRoot(executableDirectory:)`` with a `config.json` describing
    /// this runner's sign-in in place of any file of that name, and the dev login as the options
    /// say. Says on standard error what it will serve.
    func setUp(tokens: LocalTokens, environment: EnvironmentOptions, executableDirectory: URL) throws -> ServeWebApp {
        let authorGroup = try environment.variables(for: .quiz)["QUIZ_AUTHOR_GROUP"] ?? "authors"
        let devLogin = devLoginPolicy.map { DevLogin(policy: $0, tokens: tokens, authorGroup: authorGroup) }
        guard let root = try resolvedWebRoot(executableDirectory: executableDirectory) else {
            printError("local-runner: no web app found (no web/index.html); serving the API only")
            return ServeWebApp(files: nil, devLogin: devLogin)
        }
        var files = try WebAppFiles(root: root)
        files.set(WebAppFiles.File(body: try localConfiguration(authorGroup: authorGroup), contentType: "application/json"), at: "/config.json")
        let signIn =
            switch devLoginPolicy {
            case nil: "dev login off (sign in with a token from `local-runner token`)"
            case .some(let policy) where policy.allowsAuthors: "dev login on, learner and author tokens"
            case .some: "dev login on, learner tokens only"
            }
        printError("local-runner: web app at / from \(root.path) (\(files.scriptAndStyleBytes / 1024) KB of JS and CSS); \(signIn)")
        return ServeWebApp(files: files, devLogin: devLogin)
    }

    /// The `config.json` the app reads under serve: the API on the same origin, and how to sign in.
    func localConfiguration(authorGroup: String) throws -> Data {
        struct SignIn: Encodable {
            var method: String
            var authors: Bool?
            var authorGroup: String
        }
        struct Configuration: Encodable {
            var apiBaseUrl = ""
            var signIn: SignIn
        }
        let signIn =
            devLoginPolicy.map { SignIn(method: "dev", authors: $0.allowsAuthors, authorGroup: authorGroup) }
            ?? SignIn(method: "token", authors: nil, authorGroup: authorGroup)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(Configuration(signIn: signIn))
    }
}
