import QuizStoreDynamoDB
import Testing

/// The signer against AWS's SigV4 test suite (aws-sig-v4-test-suite, as vendored by
/// aws-sdk-js-v3 `packages/signature-v4/src/suite.fixture.ts` and awslabs/aws-c-auth
/// `tests/aws-signing-test-suite/v4`), and against botocore signing a DynamoDB request.
@Suite struct SigV4SignerTests {
    /// The suite's fixed credentials, scope and time (2015-08-30T12:36:00Z).
    static let suiteSigner = SigV4Signer(
        credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service"
    )
    static let suiteTime: Int64 = 1_440_938_160
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var method = "GET"
        var path = "/"
        var query = ""
        var headers: [SigV4Signer.Header] = []
        var body = ""
        var signedHeaders = "host;x-amz-date"
        var signature: String
        var testDescription: String { name }
    }

    static let vanilla = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    static let withHeader1 = "host;my-header1;x-amz-date"
    static let withContentType = "content-type;host;x-amz-date"
    static let unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    static let suite: [Vector] = [
        Vector(name: "get-vanilla", signature: vanilla),
        Vector(name: "get-header-key-duplicate", headers: ["value2", "value2", "value1"].map { .init("My-Header1", $0) },
               signedHeaders: withHeader1, signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        Vector(name: "get-header-value-order", headers: ["value4", "value1", "value3", "value2"].map { .init("My-Header1", $0) },
               signedHeaders: withHeader1, signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
        Vector(name: "get-header-value-trim", headers: [.init("My-Header1", " value1"), .init("My-Header2", " \"a   b   c\" ")],
               signedHeaders: "host;my-header1;my-header2;x-amz-date",
               signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(name: "get-unreserved", path: "/" + unreserved,
               signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        Vector(name: "get-utf8", path: "/ሴ", signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        Vector(name: "get-vanilla-empty-query-key", query: "Param1=value1",
               signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
        Vector(name: "get-vanilla-query-order-key-case", query: "Param2=value2&Param1=value1",
               signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(name: "get-vanilla-query-unreserved", query: unreserved + "=" + unreserved,
               signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        Vector(name: "get-vanilla-utf8-query", query: "ሴ=bar",
               signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        Vector(name: "post-vanilla", method: "POST", signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        Vector(name: "post-header-key-sort", method: "POST", headers: [.init("My-Header1", "value1")],
               signedHeaders: withHeader1, signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
        Vector(name: "post-header-value-case", method: "POST", headers: [.init("My-Header1", "VALUE1")],
               signedHeaders: withHeader1, signature: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
        Vector(name: "post-vanilla-query", method: "POST", query: "Param1=value1",
               signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        Vector(name: "post-vanilla-query-nonunreserved", method: "POST",
               query: "%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D",
               signature: "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"),
        Vector(name: "post-x-www-form-urlencoded", method: "POST",
               headers: [.init("Content-Type", "application/x-www-form-urlencoded")], body: "Param1=value1",
               signedHeaders: withContentType, signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        Vector(name: "post-x-www-form-urlencoded-parameters", method: "POST",
               headers: [.init("Content-Type", "application/x-www-form-urlencoded; charset=utf8")], body: "Param1=value1",
               signedHeaders: withContentType, signature: "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"),
        // RFC 3986 normalisation (normalize-path/get-relative, get-relative-relative, get-slash,
        // get-slash-dot-slash): each path canonicalises to "/" and so signs as get-vanilla does.
    ] + ["/example/..", "/example1/example2/../..", "//", "/./"].map { Vector(name: "get-vanilla via \($0)", path: $0, signature: vanilla) }

    static func sign(_ vector: Vector, with signer: SigV4Signer = suiteSigner) -> SigV4Signer.Signature {
        signer.signature(
            method: vector.method, host: "example.amazonaws.com", path: vector.path, query: vector.query,
            headers: vector.headers.map { ($0.name, $0.value) }, body: Array(vector.body.utf8), epochSeconds: suiteTime
        )
    }

    @Test(arguments: suite)
    func signsLikeTheAWSTestSuite(_ vector: Vector) {
        let signed = Self.sign(vector)
        #expect(signed.signature == vector.signature)
        #expect(signed.headers == [
            .init("X-Amz-Date", "20150830T123600Z"),
            .init(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                    + "SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)"
            ),
        ])
    }

    @Test func getVanillaIntermediateTexts() {
        let signed = Self.sign(Self.suite[0])
        #expect(signed.canonicalRequest == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + Self.emptyHash)
        #expect(signed.stringToSign == """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
            """)
    }

    @Test func headerValueTrimIntermediateTexts() {
        let signed = Self.sign(Self.suite[3])
        #expect(signed.canonicalRequest == """
            GET
            /

            host:example.amazonaws.com
            my-header1:value1
            my-header2:"a b c"
            x-amz-date:20150830T123600Z

            host;my-header1;my-header2;x-amz-date
            \(Self.emptyHash)
            """)
        #expect(signed.stringToSign.hasSuffix("\na726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7"))
    }

    @Test func formBodyIntermediateTexts() {
        let signed = Self.sign(Self.suite.first { $0.name == "post-x-www-form-urlencoded" }!)
        #expect(signed.canonicalRequest == """
            POST
            /

            content-type:application/x-www-form-urlencoded
            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            content-type;host;x-amz-date
            9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
            """)
        #expect(signed.stringToSign == """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281
            """)
    }

    @Test(arguments: [
        ("/example space/", "/example%20space/"),  // get-space
        ("//example//", "/example/"),  // get-slashes
        ("/./example", "/example"),  // get-slash-pointless-dot
        ("/foo%20bar", "/foo%2520bar"),  // already encoded on the wire: encoded again
        ("", "/"),
    ])
    func canonicalisesThePath(path: String, canonical: String) {
        let signed = Self.suiteSigner.signature(method: "GET", host: "h", path: path, headers: [], body: [], epochSeconds: 0)
        #expect(signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[1] == canonical)
    }

    @Test(arguments: [
        ("b=2&a=1&a=0", "a=0&a=1&b=2"),
        ("flag&x=%7e%41+", "flag=&x=~A%2B"),
        ("a%2=1", "a%252=1"),  // a '%' that starts no escape is a literal percent sign
        ("", ""),
    ])
    func canonicalisesTheQuery(query: String, canonical: String) {
        let signed = Self.suiteSigner.signature(method: "GET", host: "h", query: query, headers: [], body: [], epochSeconds: 0)
        #expect(signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2] == canonical)
    }

    @Test func sessionTokenIsSignedAndSent() {
        // aws-c-auth v4/get-vanilla-with-session-token.
        var signer = Self.suiteSigner
        signer.credentials.sessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
        let signed = Self.sign(Self.suite[0], with: signer)
        #expect(signed.headers == [
            .init("X-Amz-Date", "20150830T123600Z"),
            .init("X-Amz-Security-Token", "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"),
            .init(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                    + "SignedHeaders=host;x-amz-date;x-amz-security-token, "
                    + "Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"
            ),
        ])
    }

    @Test func headersProxiesRewriteAndStaleSigningHeadersDoNotChangeTheSignature() {
        var vector = Self.suite[0]
        vector.headers = [
            .init("User-Agent", "quiz/1.0"), .init("Connection", "keep-alive"),
            .init("X-Amz-Date", "19990101T000000Z"), .init("Authorization", "stale"), .init("Host", "elsewhere"),
        ]
        #expect(Self.sign(vector).signature == Self.vanilla)
    }

    @Test(arguments: [
        (Int64(0), "19700101T000000Z"), (1_440_938_160, "20150830T123600Z"), (1_709_251_199, "20240229T235959Z"),
        (951_868_800, "20000301T000000Z"), (-1, "19691231T235959Z"), (253_402_300_799, "99991231T235959Z"),
        (-62_135_596_800, "00010101T000000Z"),
    ])
    func formatsTheTimestamp(epochSeconds: Int64, expected: String) {
        let signed = Self.suiteSigner.signature(method: "GET", host: "h", headers: [], body: [], epochSeconds: epochSeconds)
        #expect(signed.headers.first == .init("X-Amz-Date", expected))
    }

    @Test func credentialsDescriptionHidesTheSecrets() {
        let credentials = SigV4Signer.Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "top-secret", sessionToken: "tok-secret")
        #expect(credentials.description == "Credentials(accessKeyID: AKIDEXAMPLE, secretAccessKey: <redacted>, sessionToken: <redacted>)")
    }

    // MARK: - botocore

    // Produced with botocore 1.43.11 (`botocore.auth.SigV4Auth(Credentials("AKIDEXAMPLE",
    // "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token), "dynamodb", "eu-west-1")`, its
    // `get_current_datetime` patched to 2024-05-17T13:01:30Z) signing an `AWSRequest` for
    // `POST https://dynamodb.eu-west-1.amazonaws.com/` with the headers and body below; the
    // script printed the canonical request, string to sign and headers that add_auth set.
    static let dynamoDBSigner = SigV4Signer(
        credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "eu-west-1"
    )
    static let getItemBody =
        #"{"ConsistentRead":true,"Key":{"pk":{"S":"user#42"},"sk":{"S":"profile"}},"TableName":"quiz-sessions"}"#

    static let getItemHeaders: [(name: String, value: String)] = [
        ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.GetItem"),
    ]

    static func signGetItem(_ signer: SigV4Signer) -> SigV4Signer.Signature {
        signer.signature(
            method: "POST", host: "dynamodb.eu-west-1.amazonaws.com", headers: getItemHeaders,
            body: Array(getItemBody.utf8), epochSeconds: 1_715_950_890
        )
    }

    @Test func dynamoDBGetItemSignsAsBotocoreDoes() {
        let signed = Self.signGetItem(Self.dynamoDBSigner)
        #expect(signed.canonicalRequest == """
            POST
            /

            content-type:application/x-amz-json-1.0
            host:dynamodb.eu-west-1.amazonaws.com
            x-amz-date:20240517T130130Z
            x-amz-target:DynamoDB_20120810.GetItem

            content-type;host;x-amz-date;x-amz-target
            fdc2577ad327a28a450b6be658c758de7306e120f4f509301ad22499281fa1a1
            """)
        #expect(signed.stringToSign == """
            AWS4-HMAC-SHA256
            20240517T130130Z
            20240517/eu-west-1/dynamodb/aws4_request
            3efcf501cc24e7fe3b230288d11026b62e266d2e044a6cd138bad6d3cc262597
            """)
        let headers = Self.dynamoDBSigner.sign(
            method: "POST", host: "dynamodb.eu-west-1.amazonaws.com", headers: Self.getItemHeaders,
            body: Array(Self.getItemBody.utf8), epochSeconds: 1_715_950_890
        )
        #expect(headers.map(\.name) == ["X-Amz-Date", "Authorization"])
        #expect(headers.map(\.value) == [
            "20240517T130130Z",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240517/eu-west-1/dynamodb/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                + "Signature=15a5f18504854979fe5830c0096e00cf9f1b7247afd30418bec2878e5e691560",
        ])
    }

    @Test func dynamoDBGetItemWithSessionTokenSignsAsBotocoreDoes() {
        var signer = Self.dynamoDBSigner
        signer.credentials.sessionToken = "FwoGZXIvYXdzEXAMPLETOKEN//////////wEaDEXAMPLE+session/token=="
        let signed = Self.signGetItem(signer)
        #expect(signed.stringToSign.hasSuffix("\ne688b2191107aa980bc8920536aca87690b8b646832fd78cccc169947f0a11f4"))
        #expect(signed.headers == [
            .init("X-Amz-Date", "20240517T130130Z"),
            .init("X-Amz-Security-Token", "FwoGZXIvYXdzEXAMPLETOKEN//////////wEaDEXAMPLE+session/token=="),
            .init(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240517/eu-west-1/dynamodb/aws4_request, "
                    + "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
                    + "Signature=ebd9b93b7db8c32a2bd23018203cc76451833923622777f2f25fd43b9ddb79bf"
            ),
        ])
    }
}
