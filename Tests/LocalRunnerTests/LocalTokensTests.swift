import Foundation
import Testing

@testable import local_runner

/// What the runner's token check accepts and refuses, claim by claim: every absurd value is a
/// refusal (401 at the gateway), never a trap.
@Suite("local tokens: claims")
struct LocalTokensTests {
    static let now: Int64 = 1_800_000_000

    /// A payload with the usual claims, `overrides` replacing or adding members (raw JSON values).
    static func payload(_ overrides: [String: String] = [:], removing: [String] = []) -> String {
        var members: [String: String] = [
            "sub": #""learner""#, "iss": #""local-runner""#, "iat": String(now - 10), "exp": String(now + 3600),
        ]
        for name in removing { members[name] = nil }
        members.merge(overrides) { _, new in new }
        return "{" + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    static let refused: [(String, String, LocalTokenRefusal)] = [
        ("exp past Int64", payload(["exp": "9223372036854775808"]), .malformed),
        ("exp at Int64.max", payload(["exp": "9223372036854775807"]), .malformed),
        ("exp 1e300", payload(["exp": "1e300"]), .malformed),
        ("exp 1e400 (not even a Double)", payload(["exp": "1e400"]), .malformed),
        ("exp negative", payload(["exp": "-1"]), .malformed),
        ("exp a string", payload(["exp": #""1800003600""#]), .malformed),
        ("exp true", payload(["exp": "true"]), .malformed),
        ("exp null", payload(["exp": "null"]), .malformed),
        ("exp an array", payload(["exp": "[1800003600]"]), .malformed),
        ("exp missing", payload(removing: ["exp"]), .malformed),
        ("exp passed", payload(["exp": String(now - 1)]), .expired),
        ("exp exactly now", payload(["exp": String(now)]), .expired),
        ("iat past the year 9999", payload(["iat": "253402300800"]), .malformed),
        ("iat in the future", payload(["iat": String(now + 3600), "exp": String(now + 7200)]), .invalidClaim("iat")),
        ("iat a string", payload(["iat": #""now""#]), .malformed),
        ("nbf in the future", payload(["nbf": String(now + 60)]), .notYetValid),
        ("nbf an object", payload(["nbf": "{}"]), .malformed),
        ("lifetime over a year", payload(["exp": String(now + 400 * 86_400)]), .invalidClaim("exp")),
        ("another issuer", payload(["iss": #""cognito""#]), .invalidClaim("iss")),
        ("sub empty", payload(["sub": #""""#]), .invalidClaim("sub")),
        ("sub with a newline", payload(["sub": #""a\nb""#]), .invalidClaim("sub")),
        ("sub with NUL", payload(["sub": #""a\u0000""#]), .invalidClaim("sub")),
        ("sub a number", payload(["sub": "42"]), .malformed),
        ("sub of 257 bytes", payload(["sub": "\"" + String(repeating: "x", count: 257) + "\""]), .invalidClaim("sub")),
        ("groups a comma string", payload(["cognito:groups": #""x,authors""#]), .malformed),
        ("groups with a space", payload(["cognito:groups": #"["x authors"]"#]), .invalidClaim("cognito:groups")),
        ("groups with an empty name", payload(["cognito:groups": #"[""]"#]), .invalidClaim("cognito:groups")),
        ("groups not strings", payload(["cognito:groups": "[1]"]), .malformed),
    ]

    @Test("absurd or invalid claims are refused, never trapped on", arguments: refused)
    func refusedClaims(name: String, payload: String, refusal: LocalTokenRefusal) async throws {
        let tokens = await LocalTokens(secret: ServeInstance.secret)
        let token = try CraftedTokens.sign(payload)
        let verdict = await tokens.verify(token, now: Self.now)
        #expect(verdict == .failure(refusal), "\(name)")
    }

    @Test("valid claims reach the event as strings; sub exactly as given; fractional times are floored")
    func acceptedClaims() async throws {
        let tokens = await LocalTokens(secret: ServeInstance.secret)
        let spaced = try CraftedTokens.sign(Self.payload(["sub": #"" a""#, "cognito:groups": #"["authors","x,y"]"#]))
        #expect(
            await tokens.verify(spaced, now: Self.now)
                == .success([
                    "sub": " a", "iss": "local-runner", "iat": String(Self.now - 10), "exp": String(Self.now + 3600),
                    "cognito:groups": "[authors x,y]",
                ]))
        let fractional = try CraftedTokens.sign(Self.payload(["exp": "\(Self.now + 60).75", "nbf": "\(Self.now).5"]))
        #expect(try await tokens.verify(fractional, now: Self.now).get()["exp"] == String(Self.now + 60))
    }

    @Test("a forged signature or a token for another secret is refused")
    func forgedTokens() async throws {
        let tokens = await LocalTokens(secret: ServeInstance.secret)
        let other = try CraftedTokens.sign(Self.payload(), secret: "another-secret-that-is-long-enough-for-hs256")
        #expect(await tokens.verify(other, now: Self.now) == .failure(.malformed))
        #expect(await tokens.verify("not.a.token", now: Self.now) == .failure(.malformed))
        let unsigned = try CraftedTokens.sign(Self.payload()).split(separator: ".").prefix(2).joined(separator: ".") + "."
        #expect(await tokens.verify(unsigned, now: Self.now) == .failure(.malformed))
    }

    @Test("a remembered token is still checked against the clock: it expires on time")
    func cachedTokensExpire() async throws {
        let tokens = await LocalTokens(secret: ServeInstance.secret)
        let token = try CraftedTokens.sign(Self.payload(["exp": String(Self.now + 5)]))
        #expect((try? await tokens.verify(token, now: Self.now).get()) != nil)
        #expect((try? await tokens.verify(token, now: Self.now + 4).get()) != nil, "from the cache")
        #expect(await tokens.verify(token, now: Self.now + 5) == .failure(.expired))
    }

    @Test("minting refuses what verifying would refuse")
    func mintingRules() async throws {
        let tokens = await LocalTokens(secret: ServeInstance.secret)
        for (user, groups, lifetime) in [("", [String](), 60), ("a\tb", [], 60), ("ok", ["x authors"], 60), ("ok", [], 0), ("ok", [], Int.max)] {
            await #expect(throws: (any Error).self, "\(user.debugDescription) \(groups) \(lifetime)") {
                _ = try await tokens.mint(user: user, groups: groups, lifetime: lifetime, now: Self.now)
            }
        }
        let token = try await tokens.mint(user: " spaced ", groups: ["authors"], lifetime: 60, now: Self.now)
        #expect(try await tokens.verify(token, now: Self.now).get()["sub"] == " spaced ")
    }
}
