import ArgumentParser
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QuizBootstrap
import QuizHTTP

/// `local-runner serve`'s front door: the web app's files at `/`, the dev login at
/// `POST /dev/token`, and every other request passed to the API gateway unchanged
/// (docs/web-app.md).
///
/// Only exact paths of files in the app's folder are answered here, so the API keeps all of its
/// own paths, errors included (an unknown path is still the API's JSON 404).
struct ServeWebApp<API: HTTPResponder>: HTTPResponder where API.Context == BasicRequestContext {
    typealias Context = BasicRequestContext

    /// The API gateway.
    let api: API
    /// The app's files; `nil` when serve found no web app.
    let files: WebAppFiles?
    /// The dev login; `nil` with `--no-dev-login`.
    let devLogin: DevLogin?

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        if path == DevLogin.path, let devLogin {
            return await signIn(request, devLogin)
        }
        if let files, request.method == .get || request.method == .head, let file = files.file(at: path) {
            let response = Self.response(file, request: request)
            printError("\(request.method.rawValue) \(path) \(response.status.code) web")
            return response
        }
        return try await api.respond(to: request, context: context)
    }

    // MARK: - Files

    /// The file, or 304 when the browser's copy is current. `no-cache` makes the browser
    /// revalidate every file on every load: without a build step the files have no hashed names,
    /// and a stale module mixed with fresh ones is worse than a 304 on loopback.
    static func response(_ file: WebAppFiles.File, request: Request) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = file.contentType
        headers[.eTag] = file.etag
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] = WebAppFiles.contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("referrer-policy")!] = "no-referrer"
        headers[HTTPField.Name("cross-origin-opener-policy")!] = "same-origin"
        headers[HTTPField.Name("cross-origin-resource-policy")!] = "same-origin"
        headers[HTTPField.Name("permissions-policy")!] = "camera=(), microphone=(), geolocation=(), payment=()"
        if let tags = request.headers[.ifNoneMatch], file.isNamed(byIfNoneMatch: tags) {
            return Response(status: .notModified, headers: headers)
        }
        let body = request.method == .head ? ByteBuffer() : ByteBuffer(bytes: file.body)
        if request.method == .head { headers[.contentLength] = String(file.body.count) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    // MARK: - Dev login

    private func signIn(_ request: Request, _ devLogin: DevLogin) async -> Response {
        let requestID = UUID().uuidString.lowercased()
        let reply: HTTPResponseEvent
        do {
            if let length = request.headers[.contentLength].flatMap(Int.init), length > DevLogin.bodyLimit {
                throw NIOTooManyBytesError(maxBytes: DevLogin.bodyLimit)
            }
            let body = Data(try await request.body.collect(upTo: DevLogin.bodyLimit).readableBytesView)
            reply = await devLogin.respond(
                method: request.method.rawValue, host: request.head.authority, origin: request.headers[.origin],
                contentType: request.headers[.contentType], body: body, requestID: requestID)
        } catch {
            reply = APIError.payloadTooLarge(limit: DevLogin.bodyLimit).response(requestId: requestID)
        }
        printError("\(request.method.rawValue) \(request.uri.path) \(reply.statusCode) dev-login \(requestID)")
        var headers = HTTPFields()
        for (name, value) in reply.headers.dictionary {
            guard let field = HTTPField.Name(name), field != .contentLength else { continue }
            headers[field] = value
        }
        headers[ServeGateway.requestIDHeader] = requestID
        return Response(
            status: HTTPResponse.Status(code: reply.statusCode), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
    }
}

// MARK: - Composition

/// What `serve` puts in front of its API, prepared before any worker starts so that a bad web
/// folder stops `serve` before it has anything to clean up.
struct WebAppSetup: Sendable {
    /// The app's files, with this runner's `config.json`; `nil` when there is no app.
    let files: WebAppFiles?
    /// The dev login; `nil` when it is off.
    let devLogin: DevLogin?

    /// The front door before `api`.
    func serving<API: HTTPResponder>(_ api: API) -> ServeWebApp<API> where API.Context == BasicRequestContext {
        ServeWebApp(api: api, files: files, devLogin: devLogin)
    }
}

extension WebAppOptions {
    /// The app found by ``resolvedWebRoot(executableDirectory:)`` with a `config.json` describing
    /// this runner's sign-in in place of any file of that name, and the dev login as the options
    /// say. Says on standard error what it will serve.
    func setUp(tokens: LocalTokens, envVarsFile: String?, executableDirectory: URL) throws -> WebAppSetup {
        let authorGroup = try RunnerEnvironment.variables(for: .quiz, envVarsFile: envVarsFile)["QUIZ_AUTHOR_GROUP"] ?? "authors"
        let devLogin = devLoginPolicy.map { DevLogin(policy: $0, tokens: tokens, authorGroup: authorGroup) }
        guard let root = try resolvedWebRoot(executableDirectory: executableDirectory) else {
            printError("local-runner: no web app found (no web/index.html); serving the API only")
            return WebAppSetup(files: nil, devLogin: devLogin)
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
        return WebAppSetup(files: files, devLogin: devLogin)
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
