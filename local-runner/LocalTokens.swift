import ArgumentParser
import Foundation
import JWTKit
import Synchronization

/// The local stand-in for API Gateway's JWT authorizer: HS256 tokens signed with a local secret.
///
/// The secret is `QUIZ_JWT_SECRET` when set, else a random one kept in the data directory
/// (``LocalSecret``). A token is valid when its signature is, and its claims meet
/// ``LocalTokenClaims``' rules at the time of the request. A verified token is remembered by its
/// bytes until it expires, so a client sending the same token again costs a dictionary lookup,
/// not an HMAC and a JSON decoding.
struct LocalTokens: Sendable {
    /// The shortest secret accepted: HS256's 32 bytes.
    static let minimumSecretBytes = 32

    private let keys: JWTKeyCollection
    private let cache: VerifiedTokenCache

    /// Tokens signed and verified with `secret`, which must be at least ``minimumSecretBytes`` long
    /// (``load(environment:)`` checks it).
    init(secret: String) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        cache = VerifiedTokenCache()
    }

    /// Tokens with the configured secret: `QUIZ_JWT_SECRET`, else the one in the data directory.
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> LocalTokens {
        if let secret = environment["QUIZ_JWT_SECRET"], !secret.isEmpty {
            // HS256 keys shorter than the hash are weak, and jwt-kit stops the process on them.
            guard secret.utf8.count >= minimumSecretBytes else {
                throw ValidationError("QUIZ_JWT_SECRET must be at least \(minimumSecretBytes) bytes long (an HS256 key of 256 bits)")
            }
            return await LocalTokens(secret: secret)
        }
        return await LocalTokens(secret: try LocalSecret.stored(in: RunnerEnvironment.dataDirectory(environment)))
    }

    // MARK: - Minting

    /// A signed token for `user`, valid for `lifetime` seconds from `now`.
    ///
    /// - Throws: `ValidationError` when the user id, a group name or the lifetime breaks the
    ///   rules a verifier applies: a token this returns is always one ``verify(_:now:)`` accepts.
    func mint(user: String, groups: [String], lifetime: Int, now: Int64 = Self.epochSeconds()) async throws -> String {
        try Self.validate(user: user, groups: groups, lifetime: lifetime)
        guard let issued = NumericDate(seconds: now), let expires = NumericDate(seconds: now + Int64(lifetime)) else {
            throw ValidationError("the token's lifetime runs past the year 9999")
        }
        let claims = LocalTokenClaims(
            sub: user, exp: expires, iat: issued, nbf: nil, iss: LocalTokenClaims.issuer, groups: groups.isEmpty ? nil : groups)
        return try await keys.sign(claims)
    }

    /// The rules of ``mint(user:groups:lifetime:now:)``, for a command's `validate()`.
    static func validate(user: String, groups: [String], lifetime: Int) throws {
        guard LocalTokenClaims.isValidSubject(user) else {
            throw ValidationError(
                "the user id must be 1 to \(LocalTokenClaims.maximumSubjectBytes) bytes of UTF-8 without control characters")
        }
        for group in groups where !LocalTokenClaims.isValidGroupName(group) {
            throw ValidationError(
                "group \(group.debugDescription) is not a valid group name: 1 to \(LocalTokenClaims.maximumGroupBytes) bytes, "
                    + "letters, digits, marks, symbols and punctuation only (no spaces)")
        }
        guard groups.count <= LocalTokenClaims.maximumGroups else {
            throw ValidationError("a token names at most \(LocalTokenClaims.maximumGroups) groups")
        }
        guard (1...Int(LocalTokenClaims.maximumLifetime)).contains(lifetime) else {
            throw ValidationError("--lifetime must be 1...\(LocalTokenClaims.maximumLifetime) seconds (one year)")
        }
    }

    // MARK: - Verifying

    /// The verdict on a token verified before, from memory: `nil` when it was not, and
    /// ``verify(_:now:)`` must decide.
    func remembered(_ token: String, now: Int64 = Self.epochSeconds()) -> Result<[String: String], LocalTokenRefusal>? {
        cache.claims(of: token, now: now)
    }

    /// The claims of a valid token as the event carries them, or why it is refused.
    func verify(_ token: String, now: Int64 = Self.epochSeconds()) async -> Result<[String: String], LocalTokenRefusal> {
        if let remembered = cache.claims(of: token, now: now) {
            return remembered
        }
        let claims: LocalTokenClaims
        do {
            claims = try await keys.verify(token, as: LocalTokenClaims.self)
        } catch let refusal as LocalTokenRefusal {
            return .failure(refusal)
        } catch {
            return .failure(.malformed)
        }
        do throws(LocalTokenRefusal) {
            try claims.check(now: now)
        } catch {
            return .failure(error)
        }
        let eventClaims = claims.eventClaims
        cache.remember(token, claims: eventClaims, validFrom: claims.nbf?.seconds ?? 0, until: claims.exp.seconds)
        return .success(eventClaims)
    }

    /// The wall-clock time in whole epoch seconds.
    static func epochSeconds() -> Int64 {
        Int64(Date().timeIntervalSince1970.rounded(.down))
    }
}

/// Tokens whose signature and claims were verified, by their exact bytes, until they expire.
///
/// Bounded: when full, expired entries go; when none has expired, all go (the next requests
/// verify again, as on a cold start).
final class VerifiedTokenCache: Sendable {
    /// How many tokens are remembered at most.
    static let capacity = 4096

    private struct Entry {
        var claims: [String: String]
        var validFrom: Int64
        var expires: Int64
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// The remembered claims of `token` while it is valid at `now`; `nil` when it is not remembered.
    func claims(of token: String, now: Int64) -> Result<[String: String], LocalTokenRefusal>? {
        guard let entry = entries.withLock({ $0[token] }) else { return nil }
        guard now < entry.expires else { return .failure(.expired) }
        guard now >= entry.validFrom else { return .failure(.notYetValid) }
        return .success(entry.claims)
    }

    /// Remembers a verified token.
    func remember(_ token: String, claims: [String: String], validFrom: Int64, until expires: Int64) {
        let now = LocalTokens.epochSeconds()
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[token] = Entry(claims: claims, validFrom: validFrom, expires: expires)
        }
    }
}
