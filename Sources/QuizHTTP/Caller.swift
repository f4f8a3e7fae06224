import FoundationEssentials

/// The authenticated user a request is made for, taken from the JWT claims that API Gateway's
/// authorizer has already verified.
///
/// A deployed handler trusts these claims as they are: API Gateway only invokes the function
/// after the authorizer accepted the token
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html).
public struct Caller: Sendable, Hashable {
    /// The user's id: the token's `sub` claim. Every storage key is scoped by it.
    public var userId: String
    /// The groups the user belongs to, from `cognito:groups` and `groups`.
    public var groups: Set<String>

    /// A caller.
    public init(userId: String, groups: Set<String> = []) {
        self.userId = userId
        self.groups = groups
    }

    /// The caller that `claims` describe, or `nil` when there is no usable `sub` claim: a
    /// request without one is unauthenticated, whatever else its token says.
    ///
    /// `sub` is used exactly as the token has it, never trimmed: `" a"` and `"a"` are two users.
    /// An empty one, or one with a control character, is refused.
    public init?(claims: [String: String]) {
        guard let subject = claims["sub"], !subject.isEmpty,
            !subject.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        else { return nil }
        userId = subject
        groups = Self.groups(in: claims["cognito:groups"] ?? "").union(Self.groups(in: claims["groups"] ?? ""))
    }

    /// Whether the caller belongs to `group`.
    public func isMember(of group: String) -> Bool {
        groups.contains(group)
    }

    // MARK: - Group claims

    /// The group names in a group claim's text.
    ///
    /// HTTP APIs pass every claim as a string and flatten a JSON array into the form
    /// `[authors admin]`; a claim that was itself a JSON array arrives as the text
    /// `["authors","admin"]` (REST APIs keep its type). Both read the same here. Cognito group
    /// names cannot contain whitespace
    /// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateGroup.html),
    /// so whitespace is the only separator of the flattened form. A comma is part of a name,
    /// never a separator: a group named `x,authors` is not `authors`.
    static func groups(in text: String) -> Set<String> {
        var body = Substring(text.trimmingASCIIWhitespace())
        if body.hasPrefix("["), body.hasSuffix("]") {
            if let names = try? JSONCoding.decoder.decode([String].self, from: Data(body.utf8)) {
                return Set(names.filter { !$0.isEmpty })
            }
            body = body.dropFirst().dropLast()
        }
        return Set(body.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).map(String.init))
    }
}

// MARK: - Claim values

/// One claim value as an event carries it, normalised to text.
///
/// HTTP API JWT authorizers send every claim as a string, but REST API JWT authorizers keep each
/// claim's JSON type (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer-claims.html),
/// so `exp` can be a number and `cognito:groups` an array. Numbers and booleans become their
/// JSON text, an array of strings its compact JSON text (which `Caller.groups(in:)` reads), and
/// any other shape is dropped rather than failing the whole event.
struct ClaimValue: Decodable {
    /// The claim as text, or `nil` for a shape that has no useful text form (objects, `null`).
    var text: String?

    /// A claim with this text.
    init(text: String?) {
        self.text = text
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else if let flag = try? container.decode(Bool.self) {
            text = flag ? "true" : "false"
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else if let number = try? container.decode(Double.self) {
            text = String(number)
        } else if let strings = try? container.decode([String].self),
            let json = try? JSONCoding.encoder.encode(strings)
        {
            text = String(decoding: json, as: UTF8.self)
        } else {
            text = nil
        }
    }

    /// The claims of an authorizer section, without the values that have no text form.
    static func texts(_ claims: [String: ClaimValue]?) -> [String: String] {
        (claims ?? [:]).compactMapValues(\.text)
    }
}
