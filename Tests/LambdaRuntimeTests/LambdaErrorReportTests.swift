import Foundation
import Testing

@testable import LambdaRuntime

/// The error body and header the Runtime API gets, and the reasons the loop stops with.
@Suite struct LambdaErrorReportTests {
    /// An error whose type name is nested, as most domain errors are.
    enum SessionError: Error, CustomStringConvertible {
        case expired(String)
        var description: String {
            switch self {
            case .expired(let id): "session \(id) expired"
            }
        }
    }

    // MARK: - Reports

    @Test func aThrownErrorIsReportedByTypeNameAndDescription() {
        let report = LambdaErrorReport(SessionError.expired("s-9"))
        #expect(report == LambdaErrorReport(errorType: "SessionError", errorMessage: "session s-9 expired", stackTrace: []))
        #expect(report.functionErrorType == "SessionError")
    }

    @Test func theJSONBodyHasTheThreeFieldsTheRuntimeAPIReads() {
        let report = LambdaErrorReport(errorType: "SessionError", errorMessage: "session s-9 expired")
        #expect(String(decoding: report.jsonBody, as: UTF8.self)
            == #"{"errorMessage":"session s-9 expired","errorType":"SessionError","stackTrace":[]}"#)
    }

    @Test func theJSONBodyEscapesWhatJSONRequires() throws {
        let message = "quote \" backslash \\ newline \n tab \t return \r bell \u{07} nul \u{00} café 🎯 </script>"
        let report = LambdaErrorReport(errorType: "A\"B", errorMessage: message, stackTrace: ["frame 0", "frame \"1\""])
        let expected = #"{"errorMessage":"quote \" backslash \\ newline \n tab \t return \r bell \u0007 nul \u0000 café 🎯 </script>","#
            + #""errorType":"A\"B","stackTrace":["frame 0","frame \"1\""]}"#
        #expect(String(decoding: report.jsonBody, as: UTF8.self) == expected)

        // And a JSON parser reads back exactly the original strings.
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(report.jsonBody)) as? [String: Any])
        #expect(parsed["errorMessage"] as? String == message)
        #expect(parsed["errorType"] as? String == "A\"B")
        #expect(parsed["stackTrace"] as? [String] == ["frame 0", "frame \"1\""])
    }

    @Test func theErrorTypeHeaderNeverCarriesControlCharacters() {
        let report = LambdaErrorReport(errorType: "Bad\r\nX-Injected: 1\u{00}", errorMessage: "m")
        #expect(report.functionErrorType == "Bad??X-Injected: 1?")
    }

    @Test func aLongMessageIsCutAtACharacterBoundary() {
        let message = String(repeating: "é", count: 10_000)  // 20,000 bytes of UTF-8
        let report = LambdaErrorReport(errorType: "Long", errorMessage: message)
        #expect(report.errorMessage.utf8.count == LambdaErrorReport.maximumMessageLength)
        #expect(report.errorMessage == String(repeating: "é", count: LambdaErrorReport.maximumMessageLength / 2))

        let odd = "a" + message
        let oddReport = LambdaErrorReport(errorType: "Long", errorMessage: odd)
        #expect(oddReport.errorMessage.utf8.count == LambdaErrorReport.maximumMessageLength - 1)
        #expect(odd.hasPrefix(oddReport.errorMessage))
    }

    @Test func anOversizedResponseIsReportedAsLambdaReportsIt() {
        let report = LambdaErrorReport.responseTooLarge(byteCount: 6_291_557)
        #expect(report.errorType == "Function.ResponseSizeTooLarge")
        #expect(report.errorMessage == "Response payload size (6291557 bytes) exceeded maximum allowed payload size.")
        #expect(report.functionErrorType == "Function.ResponseSizeTooLarge")
    }

    // MARK: - X-Ray error cause

    @Test func theXRayErrorCauseIsTheDocumentAWSRuntimeClientsSend() throws {
        let report = LambdaErrorReport(errorType: "SessionError", errorMessage: "session \"s-9\" expired\nat once")
        let cause = try #require(report.xrayErrorCause)
        #expect(!cause.contains("\n") && !cause.contains("\r"), "a header value is one line")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(cause.utf8)) as? [String: Any])
        #expect(parsed["working_directory"] as? String == FileManager.default.currentDirectoryPath)
        #expect(parsed["paths"] as? [String] == [])
        let exceptions = try #require(parsed["exceptions"] as? [[String: Any]])
        #expect(exceptions.count == 1)
        #expect(exceptions.first?["type"] as? String == "SessionError")
        #expect(exceptions.first?["message"] as? String == "session \"s-9\" expired\nat once")
        #expect((exceptions.first?["stack"] as? [Any])?.isEmpty == true)
    }

    @Test func stackFramesBecomeLabelledFramesOfTheCause() throws {
        let report = LambdaErrorReport(errorType: "E", errorMessage: "m", stackTrace: ["main()", "handle(_:)"])
        let cause = try #require(report.xrayErrorCause)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(cause.utf8)) as? [String: Any])
        let stack = try #require((parsed["exceptions"] as? [[String: Any]])?.first?["stack"] as? [[String: String]])
        #expect(stack == [["label": "main()"], ["label": "handle(_:)"]])
    }

    @Test func aCauseOfAMebibyteOrMoreIsLeftOutAsTheOfficialClientsDo() {
        // Messages are cut at 16 KiB, so only a report with a huge stack can get there.
        let frames = Array(repeating: String(repeating: "f", count: 1000), count: 1100)
        let report = LambdaErrorReport(errorType: "E", errorMessage: "m", stackTrace: frames)
        #expect(report.xrayErrorCause == nil)
        #expect(report.jsonBody.count > LambdaErrorReport.maximumXRayErrorCauseLength)

        let worst = LambdaErrorReport(errorType: "E", errorMessage: String(repeating: "\u{01}", count: 100_000))
        let cause = worst.xrayErrorCause
        #expect(cause != nil)
        #expect((cause?.utf8.count ?? .max) < LambdaErrorReport.maximumXRayErrorCauseLength)
    }

    @Test func reportsOfEventsThatCannotBeReceivedAreTypedAsLambdaTypesItsOwn() {
        #expect(LambdaRuntimeError(.eventTooLarge, "m", requestID: "r").invocationReport.errorType == "Runtime.EventTooLarge")
        #expect(LambdaRuntimeError(.eventNotReceived, "m", requestID: "r").invocationReport.errorType == "Runtime.EventNotReceived")
        #expect(LambdaRuntimeError(.invalidInvocation, "m", requestID: "r").invocationReport.errorType == "Runtime.InvalidInvocation")
        #expect(LambdaRuntimeError(.eventTooLarge, "m").concernsOneInvocation)
        #expect(!LambdaRuntimeError(.connectionFailed, "m").concernsOneInvocation)
        #expect(!LambdaRuntimeError(.unexpectedStatus, "m", status: 500).concernsOneInvocation)
    }

    // MARK: - Termination reasons

    @Test(arguments: [
        (LambdaRuntimeError.Code.missingRuntimeAPI, Int32(1)),
        (.initializationFailed, 1),
        (.connectionFailed, 2),
        (.unexpectedStatus, 2),
        (.invalidInvocation, 2),
        (.eventTooLarge, 2),
        (.eventNotReceived, 2),
        (.responseTooLarge, 2),
    ])
    func everyReasonToStopExitsNonZero(code: LambdaRuntimeError.Code, exitStatus: Int32) {
        #expect(LambdaRuntimeError(code, "m").exitStatus == exitStatus)
    }

    @Test func errorsCompareByCodeAndDescribeTheirCause() {
        let error = LambdaRuntimeError(.unexpectedStatus, "GET /runtime/invocation/next answered 500", status: 500)
        #expect(error == .unexpectedStatus)
        #expect(error != .connectionFailed)
        #expect(error.description == "unexpectedStatus: GET /runtime/invocation/next answered 500 (status 500)")

        let initFailure = LambdaRuntimeError.initializationFailed(SessionError.expired("s-1"))
        #expect(initFailure.description == "initializationFailed: the handler factory threw SessionError: session s-1 expired")
    }

    @Test func theTerminationLogLineIsOneJSONObject() throws {
        let error = LambdaRuntimeError(.unexpectedStatus, "GET /runtime/invocation/next answered 500", status: 500)
        let line = LambdaRuntime.terminationLogLine(for: error)
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(line.filter { $0 == UInt8(ascii: "\n") }.count == 1)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(parsed["level"] as? String == "FATAL")
        #expect(parsed["errorType"] as? String == "Runtime.unexpectedStatus")
        #expect(parsed["exitStatus"] as? Int == 2)
        #expect(parsed["message"] as? String
            == "the runtime is stopping: unexpectedStatus: GET /runtime/invocation/next answered 500 (status 500)")
    }
}
