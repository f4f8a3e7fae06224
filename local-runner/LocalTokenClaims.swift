import Foundation
import JWTKit

/// The claims of a local token and the rules they must meet, before any of them reaches an
/// event (docs/local-runner.md, "Tokens").
///
/// Every claim is read without a trap: a time that is not a JSON number, is negative, or lies
/// past the year 9999 fails decoding, and the token is refused with 401 like a forged one.
struct LocalTokenClaims: JWTPayload, Equatable {
    /// The user id, used exactly as given: never trimmed or normalised.
    var sub: String
    /// When the token stops being valid.
    var exp: NumericDate
    /// When it was minted.
    var iat: NumericDate
    /// When it starts being valid, if later than `iat`.
    var nbf: NumericDate?
    /// `local-runner`.
    var iss: String
    /// The user's groups: a JSON array of group names, as Cognito puts them in a token.
    var groups: [String]?

    enum CodingKeys: String, CodingKey {
        case sub, exp, iat, nbf, iss
        case groups = "cognito:groups"
    }

    /// The issuer of every local token.
    static let issuer = "local-runner"
    /// The longest lifetime a token may have: one year.
    static let maximumLifetime: Int64 = 365 * 86_400
    /// How far in the future a token's `iat` may lie (clock skew between two local processes).
    static let issuedAtLeeway: Int64 = 60
    /// The longest user id, in UTF-8 bytes.
    static let maximumSubjectBytes = 256
    /// The longest group name, in UTF-8 bytes (Cognito's limit).
    static let maximumGroupBytes = 128
    /// The most groups one token may name.
    static let maximumGroups = 100

    /// The structural checks jwt-kit runs after the signature: the claims that do not depend on
    /// the time. ``check(now:)`` adds the ones that do.
    func verify(using algorithm: some JWTAlgorithm) throws {
        guard iss == Self.issuer else { throw LocalTokenRefusal.invalidClaim("iss") }
        guard Self.isValidSubject(sub) else { throw LocalTokenRefusal.invalidClaim("sub") }
        if let groups {
            guard groups.count <= Self.maximumGroups, groups.allSatisfy(Self.isValidGroupName) else {
                throw LocalTokenRefusal.invalidClaim("cognito:groups")
            }
        }
    }

    /// Whether the token is valid at `now` (epoch seconds): not expired, not before its `nbf`,
    /// not minted in the future, and not longer-lived than ``maximumLifetime``.
    func check(now: Int64) throws(LocalTokenRefusal) {
        guard now < exp.seconds else { throw .expired }
        if let nbf, now < nbf.seconds { throw .notYetValid }
        guard iat.seconds <= now + Self.issuedAtLeeway else { throw .invalidClaim("iat") }
        guard exp.seconds - iat.seconds <= Self.maximumLifetime else { throw .invalidClaim("exp") }
    }

    /// The claims as API Gateway's HTTP API JWT authorizer passes them to a function: every
    /// value a string, an array flattened to `[a b]`.
    var eventClaims: [String: String] {
        var claims = ["sub": sub, "iss": iss, "exp": String(exp.seconds), "iat": String(iat.seconds)]
        if let nbf { claims["nbf"] = String(nbf.seconds) }
        if let groups { claims["cognito:groups"] = "[\(groups.joined(separator: " "))]" }
        return claims
    }

    // MARK: - Names

    /// A user id: 1 to 256 bytes of UTF-8 without control characters. Spaces are allowed and
    /// significant: `" a"` and `"a"` are two users.
    static func isValidSubject(_ subject: String) -> Bool {
        !subject.isEmpty && subject.utf8.count <= maximumSubjectBytes && !subject.unicodeScalars.contains(where: isControl)
    }

    /// A group name as Cognito allows one (`[\p{L}\p{M}\p{S}\p{N}\p{P}]+`, up to 128 bytes): no
    /// whitespace and no control characters, so the flattened `[a b]` form is unambiguous.
    static func isValidGroupName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maximumGroupBytes else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                .nonspacingMark, .spacingMark, .enclosingMark,
                .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
                .decimalNumber, .letterNumber, .otherNumber,
                .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                .initialPunctuation, .finalPunctuation, .otherPunctuation:
                true
            default:
                false
            }
        }
    }

    /// C0 and C1 control characters and DEL.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}

/// A JWT NumericDate ([RFC 7519 §2](https://www.rfc-editor.org/rfc/rfc7519#section-2)): seconds
/// since the epoch as a JSON number, here whole seconds (a fraction is dropped) between 0 and
/// the end of the year 9999. Anything else fails decoding instead of trapping later.
struct NumericDate: Codable, Hashable, Sendable {
    /// 9999-12-31T23:59:59Z.
    static let latest: Int64 = 253_402_300_799

    /// Seconds since the epoch.
    let seconds: Int64

    /// A date `seconds` after the epoch; `nil` outside `0...latest`.
    init?(seconds: Int64) {
        guard (0...Self.latest).contains(seconds) else { return nil }
        self.seconds = seconds
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value: Int64?
        if let whole = try? container.decode(Int64.self) {
            value = whole
        } else if let number = try? container.decode(Double.self), number.isFinite, number >= 0, number <= Double(Self.latest) {
            value = Int64(number.rounded(.down))
        } else {
            value = nil
        }
        guard let value, let date = NumericDate(seconds: value) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a NumericDate between 0 and \(Self.latest)")
        }
        self = date
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(seconds)
    }
}

/// Why a token was refused; the caller gets 401 whatever the reason.
enum LocalTokenRefusal: Error, Equatable {
    /// The signature, the encoding or the JSON is wrong.
    case malformed
    /// A claim is missing, of the wrong type, or absurd.
    case invalidClaim(String)
    /// `exp` has passed.
    case expired
    /// `nbf` has not come yet.
    case notYetValid
}
