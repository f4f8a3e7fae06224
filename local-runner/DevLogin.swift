import Foundation
import QuizHTTP

/// `POST /dev/token`: the web app's local sign-in under `local-runner serve`, which mints a
/// local token for a user name (docs/web-app.md). A route of ``ServeGateway``: refused by its
/// header when it can be, its body read within ``bodyLimit`` and the runner's limits, then
/// answered by ``mint(body:requestID:)``.
///
/// It exists only in `serve`: no function has this route and the deployment template declares
/// none. Anyone who can reach the port can sign in as anyone, so it mints learner tokens only
/// unless `--dev-login-authors` allows author tokens, and `--no-dev-login` removes it. It answers
/// only requests addressed to a loopback name and coming from a loopback origin: a web page of
/// another site (including one whose domain an attacker points at 127.0.0.1, DNS rebinding)
/// cannot obtain a token through the learner's browser.
struct DevLogin: Sendable {
    /// What the route may mint.
    struct Policy: Sendable, Equatable {
        /// Whether a caller may ask for an author token.
        var allowsAuthors: Bool
    }

    /// The route's path.
    static let path = "/dev/token"
    /// How long a minted token is valid: a working day.
    static let lifetime = 12 * 3600
    /// The largest body read.
    static let bodyLimit = 4096
    /// Whether `user` is a name dev login accepts: 1 to 64 ASCII letters, digits, `.`, `_` or `-`,
    /// what a person types, and safe in every key and log line.
    static func isAcceptable(user: String) -> Bool {
        (1...64).contains(user.utf8.count)
            && user.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-")
            }
    }
    /// The host names that reach this machine only.
    static let loopbackNames: Set<String> = ["127.0.0.1", "localhost", "[::1]"]

    /// What may be minted.
    let policy: Policy
    /// Signs the tokens, with the secret the gateway verifies them with.
    let tokens: LocalTokens
    /// The group that may import (`QUIZ_AUTHOR_GROUP` of the functions, default `authors`).
    let authorGroup: String

    /// The request body.
    struct Request: Decodable {
        var user: String
        var author: Bool?
    }

    /// The response body.
    struct Minted: Encodable {
        var token: String
        var user: String
        var groups: [String]
        var expiresAt: String
    }

    /// The refusal of a request by its header, before its body is read; `nil` when the body
    /// should be read and passed to ``mint(body:requestID:)``.
    ///
    /// `hosts` are the request's `Host` fields (exactly one is valid, RFC 9112 §3.2), `origin`
    /// its `Origin`, `contentType` its `Content-Type`.
    func refusal(hosts: [String], origin: String?, contentType: String?, requestID: String) -> HTTPResponseEvent? {
        guard hosts.count == 1, Self.loopbackNames.contains(Self.hostName(hosts[0])) else {
            return APIError.forbidden("Dev login answers only requests addressed to 127.0.0.1 or localhost.").response(requestId: requestID)
        }
        if let origin, !Self.isLoopbackOrigin(origin) {
            return APIError.forbidden("Dev login answers only pages served by this runner.").response(requestId: requestID)
        }
        // A JSON body makes a cross-origin request need a CORS preflight, which serve never grants.
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            return APIError.unsupportedMediaType(contentType ?? "none", supported: ["application/json"]).response(requestId: requestID)
        }
        return nil
    }

    /// The answer to a request that ``refusal(hosts:origin:contentType:requestID:)`` let
    /// through, given its body (at most ``bodyLimit`` bytes): a token, or why not.
    func mint(body: Data, requestID: String) async -> HTTPResponseEvent {
        guard let request = try? JSONDecoder().decode(Request.self, from: body) else {
            return APIError.malformedJSON(#"The body must be {"user": "NAME", "author": false}."#).response(requestId: requestID)
        }
        guard Self.isAcceptable(user: request.user) else {
            return APIError.validationFailed(
                [APIError.Detail(field: "user", message: "1 to 64 letters, digits, '.', '_' or '-'.")],
                message: "That user name cannot be used."
            ).response(requestId: requestID)
        }
        let author = request.author ?? false
        if author && !policy.allowsAuthors {
            return APIError.forbidden("Author sign-in is off: start serve with --dev-login-authors to allow it.").response(requestId: requestID)
        }
        let groups = author ? [authorGroup] : []
        do {
            let now = LocalTokens.epochSeconds()
            let token = try await tokens.mint(user: request.user, groups: groups, lifetime: Self.lifetime, now: now)
            let expiresAt = Date(timeIntervalSince1970: TimeInterval(now + Int64(Self.lifetime))).formatted(.iso8601)
            return try HTTPResponseEvent.json(
                200, Minted(token: token, user: request.user, groups: groups, expiresAt: expiresAt), headers: ["cache-control": "no-store"])
        } catch {
            return APIError.internal().response(requestId: requestID)
        }
    }

    /// The host name of a `Host` header, without its port, lowercased (`[::1]` keeps its brackets).
    static func hostName(_ host: String) -> String {
        let host = host.trimmingCharacters(in: .whitespaces).lowercased()
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") { return String(host[...end]) }
        return String(host.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// Whether an `Origin` header names a page of a loopback host (`null`, sent by sandboxed
    /// frames and `file:` pages, does not).
    static func isLoopbackOrigin(_ origin: String) -> Bool {
        guard let url = URL(string: origin), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host?.lowercased()
        else { return false }
        let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return loopbackNames.contains(name)
    }
}
