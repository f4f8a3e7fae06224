import FoundationEssentials
import QuizHTTP
import Testing

@Suite struct HTTPHeadersTests {
    @Test(arguments: ["content-type", "Content-Type", "CONTENT-TYPE", "cOnTeNt-TyPe"])
    func lookupIgnoresCase(name: String) {
        let headers: HTTPHeaders = ["Content-Type": "application/json"]
        #expect(headers[name] == "application/json")
        #expect(headers.contains(name))
    }

    @Test func repeatedFieldsAreJoinedWithCommasInOrder() {
        let headers = HTTPHeaders([("Accept", "text/plain"), ("accept", "application/json"), ("X-Id", "1")])
        #expect(headers["accept"] == "text/plain,application/json")
        #expect(headers.count == 2)
        #expect(headers.map(\.name) == ["accept", "x-id"])
    }

    @Test func settingNilRemovesAField() {
        var headers: HTTPHeaders = ["Retry-After": "5"]
        headers["retry-after"] = nil
        #expect(headers.isEmpty)
    }

    @Test func restAPIMultiValueHeadersWinOverTheirLastValue() throws {
        let event = try Fixtures.event("rest-api-v1-answer.json")
        #expect(event.headers["Accept"] == "application/json,application/problem+json")
        #expect(event.headers["cookie"] == nil)
        #expect(event.cookies == ["theme=dark", "lang=en"])
    }

    @Test(arguments: [
        ("application/json", "application/json", nil),
        ("Application/JSON; charset=UTF-8", "application/json", "utf-8"),
        (#"text/csv;charset="utf-8""#, "text/csv", "utf-8"),
        ("  ; charset=utf-8", nil, "utf-8"),
    ] as [(String, String?, String?)])
    func mediaTypeAndCharsetAreParsed(contentType: String, mediaType: String?, charset: String?) {
        let headers: HTTPHeaders = ["content-type": contentType]
        #expect(headers.mediaType == mediaType)
        #expect(headers.charset == charset)
    }

    @Test func encodesAsAnObjectOfLowerCaseNames() throws {
        let headers: HTTPHeaders = ["Allow": "GET", "Content-Type": "application/json"]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(headers), as: UTF8.self)
        #expect(json == #"{"allow":"GET","content-type":"application\/json"}"#)
    }
}

@Suite struct QueryParametersTests {
    @Test func rawQueryStringIsSplitAndDecoded() {
        let query = QueryParameters(rawQueryString: "category=linear%20algebra&tag=a&tag=b&q=x+y%2Bz&flag&=orphan&&empty=")
        #expect(query["category"] == "linear algebra")
        #expect(query.values(for: "tag") == ["a", "b"])
        #expect(query["q"] == "x y+z")
        #expect(query["flag"] == "")
        #expect(query["empty"] == "")
        #expect(query.names == ["category", "empty", "flag", "q", "tag"])
    }

    @Test(arguments: [
        ("name=caf%C3%A9", "café"),
        ("name=%E2%9C%93", "✓"),
        ("name=100%", "100%"),
        ("name=%zz", "%zz"),
        ("name=%C3", "%C3"),
    ])
    func percentEscapesDecodeAsUTF8OrStayAsSent(raw: String, value: String) {
        #expect(QueryParameters(rawQueryString: raw)["name"] == value)
    }

    @Test func httpAPIQueryComesFromTheRawStringNotTheCommaJoinedParameters() throws {
        let event = try Fixtures.event("http-api-v2-answer.json")
        #expect(event.query.values(for: "tag") == ["alpha", "beta"])
        #expect(event.query["q"] == "linear algebra+more")
        #expect(event.query["missing"] == nil)
        #expect(event.query.values(for: "missing") == [])
    }

    @Test(arguments: [("limit=1", 1), ("limit=100", 100), ("limit=%37", 7), ("other=3", nil)] as [(String, Int?)])
    func integerParameterInRange(raw: String, expected: Int?) throws {
        #expect(try QueryParameters(rawQueryString: raw).int("limit", in: 1...100) == expected)
    }

    @Test(arguments: ["limit=0", "limit=101", "limit=ten", "limit=", "limit=1.5", "limit=99999999999999999999", "limit=1&limit=2", "limit=+7"])
    func integerParameterOutsideItsRangeIsABadRequestNamingIt(raw: String) {
        #expect {
            try QueryParameters(rawQueryString: raw).int("limit", in: 1...100)
        } throws: { error in
            guard let error = error as? APIError else { return false }
            return error.code == .badRequest && error.status == 400 && error.details.first?.field == "limit"
                && error.message.hasPrefix("Query parameter 'limit' ")
        }
    }

    @Test func outOfRangeMessageStatesTheRange() {
        do {
            _ = try QueryParameters(rawQueryString: "limit=500").int("limit", in: 1...100)
            Issue.record("accepted 500")
        } catch {
            #expect(error.message == "Query parameter 'limit' must be an integer from 1 to 100.")
            #expect(error.details == [APIError.Detail(field: "limit", message: "must be an integer from 1 to 100")])
        }
    }

    @Test func repeatedParameterIsRefusedWhereOneIsExpected() throws {
        let query = QueryParameters(rawQueryString: "cursor=a&cursor=b&category=x")
        #expect(throws: APIError.badRequest("")) { try query.single("cursor") }
        #expect(try query.single("category") == "x")
        #expect(try query.single("absent") == nil)
    }
}
