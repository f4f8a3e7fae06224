import CurlHTTP
import Foundation
import ProcessTools
import Testing

/// The `EchoFunction` bootstrap under the real AWS Lambda Runtime Interface Emulator: the
/// Runtime API as Lambda's own code speaks it, invoked as `aws lambda invoke` would.
///
/// Serialized: each test runs its own emulator and bootstrap, and the memory reading is taken
/// with nothing else loading the machine's two cores.
@Suite(.serialized) struct EmulatorIntegrationTests {
    /// The fields of an error body the emulator returns to the caller.
    struct ErrorBody: Decodable, Equatable {
        var errorType: String
        var errorMessage: String
    }

    @Test func anEventComesBackByteForByte() throws {
        let emulator = try RuntimeInterfaceEmulator()
        let event = Array(#"{"version":"2.0","rawPath":"/sessions","body":"{\"bankId\":\"b-1\"}","note":"żółw 🐢"}"#.utf8)
        let response = try emulator.invoke(event)

        #expect(response.status == 200, Comment(rawValue: emulator.logTail))
        #expect(response.body == event)
        #expect(emulator.stop() == [])
    }

    @Test(arguments: [1024 * 1024, 5 * 1024 * 1024 + 512 * 1024])
    func largeEventsAndResponsesRoundTrip(size: Int) throws {
        let emulator = try RuntimeInterfaceEmulator()
        let event = Payload.jsonString(count: size)
        let response = try emulator.invoke(event)

        #expect(response.status == 200, Comment(rawValue: emulator.logTail))
        #expect(response.body.count == size)
        #expect(response.body == event)
        #expect(emulator.stop() == [])
    }

    @Test func aHandlerErrorReachesTheCallerAndTheSameBootstrapServesTheNextEvent() throws {
        let emulator = try RuntimeInterfaceEmulator()
        #expect(try emulator.invoke(Array("1".utf8)).body == Array("1".utf8))
        let bootstrap = emulator.runningBootstraps

        let failed = try emulator.invoke(Array(#"{"fail":true}"#.utf8))
        #expect(failed.status == 200, Comment(rawValue: emulator.logTail))
        #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(failed.body))
            == ErrorBody(errorType: "EchoFailure", errorMessage: "the event asked the echo function to fail"))

        let next = try emulator.invoke(Array(#"{"after":"failure"}"#.utf8))
        #expect(next.status == 200)
        #expect(next.body == Array(#"{"after":"failure"}"#.utf8))
        // The error was reported, not fatal: the same process is still serving.
        #expect(bootstrap.count == 1)
        #expect(emulator.runningBootstraps == bootstrap)
        #expect(emulator.stop() == [])
    }

    @Test func sequentialInvocationsShareOneBootstrapAndStaySmall() throws {
        let emulator = try RuntimeInterfaceEmulator()
        #expect(try emulator.invoke(Array("0".utf8)).body == Array("0".utf8))
        let bootstrap = try #require(emulator.runningBootstraps.first, Comment(rawValue: emulator.logTail))

        var mismatches: [Int] = []
        for index in 1...40 {
            let event = Array(#"{"invocation":\#(index),"padding":"\#(String(repeating: "x", count: index * 97))"}"#.utf8)
            let response = try emulator.invoke(event)
            if response.status != 200 || response.body != event { mismatches.append(index) }
        }
        #expect(mismatches == [])
        #expect(emulator.runningBootstraps == [bootstrap])

        // Resident memory of the idle bootstrap, waiting in `next` after 41 invocations.
        let memory = try #require(ProcessTable.memory(of: bootstrap))
        let (rss, anonymous, fileBacked) = (memory.rssKiB, memory.anonymousKiB, memory.fileKiB)
        print("EchoFunction under RIE: VmRSS \(rss) kB (RssAnon \(anonymous) kB, RssFile \(fileBacked) kB)")
        // Most of the resident set is pages of shared libraries (libswiftCore, libcurl and what
        // it links); the process's own memory stays a few megabytes. A bootstrap that pulled in
        // Foundation, or kept events alive, would break these bounds.
        #expect(anonymous < 8 * 1024)
        #expect(rss < 24 * 1024)
        #expect(emulator.stop() == [])
    }

    @Test func aCrashedBootstrapIsReportedAndReplaced() throws {
        let emulator = try RuntimeInterfaceEmulator()
        #expect(try emulator.invoke(Array("1".utf8)).status == 200)
        let first = emulator.runningBootstraps

        let crashed = try emulator.invoke(Array(#"{"crash":true}"#.utf8))
        let body = try JSONDecoder().decode(ErrorBody.self, from: Data(crashed.body))
        #expect(body.errorType == "Runtime.ExitError", Comment(rawValue: emulator.logTail))
        #expect(body.errorMessage.hasSuffix("Runtime exited with error: exit status 3"))

        // The emulator starts a new bootstrap for the next event, as Lambda does.
        let next = try emulator.invoke(Array("2".utf8))
        #expect(next.status == 200)
        #expect(next.body == Array("2".utf8))
        #expect(emulator.runningBootstraps.count == 1)
        #expect(emulator.runningBootstraps != first)
        #expect(emulator.stop() == [])
    }
}
