import ArgumentParser
import Foundation
import JWTKit

/// The local stand-in for API Gateway's JWT authorizer: HS256 tokens signed with a local secret.
///
/// The secret is `QUIZ_JWT_SECRET` when set, else a random one kept in the data directory
/// (created on first use, readable by its owner only).
struct LocalTokens: Sendable {
    /// The claims of a local token, in the shape a Cognito access token has.
    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var iss: IssuerClaim
        var groups: [String]?

        enum CodingKeys: String, CodingKey {
            case sub, exp, iat, iss
            case groups = "cognito:groups"
        }

        func verify(using algorithm: some JWTAlgorithm) throws {
            try exp.verifyNotExpired()
            guard iss.value == LocalTokens.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "not a local-runner token") }
        }
    }

    static let issuer = "local-runner"

    let keys: JWTKeyCollection

    /// The shortest secret accepted: HS256's 32 bytes.
    static let minimumSecretBytes = 32

    init(secret: String) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    /// Tokens with the configured secret.
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> LocalTokens {
        if let secret = environment["QUIZ_JWT_SECRET"], !secret.isEmpty {
            // HS256 keys shorter than the hash are weak, and jwt-kit stops the process on them.
            guard secret.utf8.count >= minimumSecretBytes else {
                throw ValidationError("QUIZ_JWT_SECRET must be at least \(minimumSecretBytes) bytes long (an HS256 key of 256 bits)")
            }
            return await LocalTokens(secret: secret)
        }
        return await LocalTokens(secret: try storedSecret(in: RunnerEnvironment.dataDirectory))
    }

    /// The secret kept in `directory/jwt-secret`, created the first time.
    static func storedSecret(in directory: String) throws -> String {
        let path = "\(directory)/jwt-secret"
        if let existing = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !existing.isEmpty {
            return existing
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        // 256 random bits as 64 hex digits.
        let secret = (0..<4).map { _ in
            let digits = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
        // Create exclusively: when two processes race, one writes and both read the winner's secret.
        if FileManager.default.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
    }

    /// A signed token for `user`, valid for `lifetime` seconds.
    func mint(user: String, groups: [String], lifetime: TimeInterval) async throws -> String {
        let now = Date()
        let claims = Claims(
            sub: SubjectClaim(value: user), exp: ExpirationClaim(value: now.addingTimeInterval(lifetime)),
            iat: IssuedAtClaim(value: now), iss: IssuerClaim(value: Self.issuer), groups: groups.isEmpty ? nil : groups)
        return try await keys.sign(claims)
    }

    /// The claims of a valid token, as API Gateway's JWT authorizer passes them on (every value a
    /// string; groups as `[a b]`); `nil` for a token that is malformed, forged or expired.
    func verify(_ token: String) async -> [String: String]? {
        guard let claims = try? await keys.verify(token, as: Claims.self) else { return nil }
        var result = [
            "sub": claims.sub.value, "iss": claims.iss.value,
            "exp": String(Int(claims.exp.value.timeIntervalSince1970)), "iat": String(Int(claims.iat.value.timeIntervalSince1970)),
        ]
        if let groups = claims.groups { result["cognito:groups"] = "[\(groups.joined(separator: " "))]" }
        return result
    }
}
