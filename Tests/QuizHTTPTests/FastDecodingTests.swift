import FoundationEssentials
import StrictJSON
import Testing

@testable import QuizHTTP

/// The fast decoding paths (`FastObject`, `HTTPRequestEvent(fastJSON:)`, `FastJSONDecodable`)
/// must give what `JSONDecoder` gives whenever they answer at all, and leave everything unusual
/// to it.
@Suite("Fast event and body decoding")
struct FastDecodingTests {
    static func slow(_ data: Data) throws -> HTTPRequestEvent {
        try JSONCoding.decoder.decode(HTTPRequestEvent.self, from: data)
    }

    static func fast(_ data: Data) -> HTTPRequestEvent? {
        data.withUnsafeBytes { FastObject.parse($0) }.flatMap(HTTPRequestEvent.init(fastJSON:))
    }

    @Test("payload 2.0 events read the same either way")
    func sameEvents() throws {
        var events = [try Fixtures.data("http-api-v2-answer.json"), try Fixtures.data("http-api-v2-csv-import.json")]
        events.append(Fixtures.httpAPIEvent(claimsJSON: #"{"sub":"u-1","email_verified":true,"cognito:groups":"[a b]","note":"\u00e9\n\"q\" \ud83d\ude00"}"#))
        events.append(Fixtures.httpAPIEvent(claimsJSON: nil))
        let request = HTTPRequestEvent(
            method: .post, path: "/sessions/s 1/answer", headers: ["content-type": "application/json", "X-Up": "A"],
            body: Data(#"{"questionId":"q1","selectedAnswers":["a"]}"#.utf8), requestId: "r-1", claims: ["sub": "u-1"])
        events.append(try request.httpAPIEvent(routeKey: "POST /sessions/{sessionId}/answer", time: 1_800_000_000_000))
        for event in events {
            let fast = try #require(Self.fast(event), "the fast path reads \(String(decoding: event, as: UTF8.self).prefix(60))")
            #expect(fast == (try Self.slow(event)))
        }
    }

    @Test("anything unusual is left to JSONDecoder", arguments: [
        // REST API proxy format
        #"{"httpMethod":"GET","path":"/health","requestContext":{"requestId":"r"}}"#,
        // a claim that is a number, an array, null
        #"{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"},"authorizer":{"jwt":{"claims":{"n":5}}}}}"#,
        #"{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"},"authorizer":{"jwt":{"claims":{"g":["a"]}}}}}"#,
        #"{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"},"authorizer":{"jwt":{"claims":{"g":null}}}}}"#,
        // a name given twice, a trailing comma, a raw newline in a string, a header that is not a string
        #"{"version":"2.0","rawPath":"/a","rawPath":"/b","requestContext":{"http":{"method":"GET"}}}"#,
        #"{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"},}}"#,
        "{\"version\":\"2.0\",\"rawPath\":\"/\n\",\"requestContext\":{\"http\":{\"method\":\"GET\"}}}",
        #"{"version":"2.0","rawPath":"/","headers":{"a":1},"requestContext":{"http":{"method":"GET"}}}"#,
        // no method, base64 that is not
        #"{"version":"2.0","rawPath":"/","requestContext":{"http":{}}}"#,
        #"{"version":"2.0","rawPath":"/","body":"*","isBase64Encoded":true,"requestContext":{"http":{"method":"GET"}}}"#,
    ])
    func unusualEvents(json: String) throws {
        let data = Data(json.utf8)
        #expect(Self.fast(data) == nil)
        // The public initialiser still answers as JSONDecoder does, error or not.
        let viaPublic = Result { try HTTPRequestEvent(json: data) }
        let viaDecoder = Result { try Self.slow(data) }
        switch (viaPublic, viaDecoder) {
        case (.success(let a), .success(let b)): #expect(a == b)
        case (.failure, .failure): break
        default: Issue.record("the public initialiser and JSONDecoder disagree on \(json)")
        }
    }

    @Test("strict JSON parses; anything else does not", arguments: [
        (#"{"a":[1,-2.5e3,true,false,null,"x\u0041\/"],"b":{}}"#, true),
        (#"  [ ]  "#, true),
        (#"{"a":1,}"#, false), (#"[1,]"#, false), (#"{"a" 1}"#, false), (#"01"#, false), (#"1."#, false), (#"-"#, false),
        (#""\ud800""#, false), (#""\x""#, false), (#"[1] 2"#, false), (#"tru"#, false), ("\"\u{1}\"", false),
    ])
    func strictness(text: String, valid: Bool) {
        #expect((Data(text.utf8).withUnsafeBytes { FastObject.parse($0) } != nil) == valid)
    }

    struct Body: Decodable, Equatable, FastJSONDecodable {
        var name: String
        var tags: [String]
        var count: Int?

        init(name: String, tags: [String], count: Int?) {
            self.name = name
            self.tags = tags
            self.count = count
        }

        init?(fastJSON json: FastObject) {
            do throws(FastObject.Miss) {
                guard let name = try json.string("name"), let tags = try json.strings("tags") else { return nil }
                self.init(name: name, tags: tags, count: try json.integer("count"))
            } catch {
                return nil
            }
        }
    }

    @Test("a body reads the same with and without JSONDecoder, and errors stay JSONDecoder's", arguments: [
        #"{"name":"n","tags":["a","b"],"count":3}"#, #"{"name":"n\u00e9","tags":[],"count":null,"extra":{}}"#,
        #"{"name":"n","tags":["a"]}"#, #"{"name":"n","tags":["a"],"count":1.5}"#, #"{"name":"n","tags":["a"],"count":"3"}"#,
        #"{"name":"n","tags":[1]}"#, #"{"tags":["a"]}"#, #"[1]"#, #"{"name":"n","tags":["a"],}"#, "{",
    ])
    func bodies(json: String) {
        let request = HTTPRequestEvent(method: .post, path: "/", headers: ["content-type": "application/json"], body: Data(json.utf8))
        let fast = Result { () throws(APIError) -> Body in try request.decodeJSON(Body.self) }
        // Inside a function generic over `Decodable` only, the `JSONDecoder` overload is the one that applies.
        func generic<T: Decodable>(_ type: T.Type) throws(APIError) -> T { try request.decodeJSON(type) }
        let slow = Result { () throws(APIError) -> Body in try generic(Body.self) }
        switch (fast, slow) {
        case (.success(let a), .success(let b)): #expect(a == b)
        case (.failure(let a), .failure(let b)): #expect(a.code == b.code && a.message == b.message)
        default: Issue.record("the fast and the generic decoding disagree on \(json)")
        }
    }
}
