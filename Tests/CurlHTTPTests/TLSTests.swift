import CurlHTTP
import Foundation
import QuizTestSupport
import Testing

/// HTTPS with the OpenSSL initialisation this client does before libcurl's (no legacy name
/// tables, no error strings): the handshake, the exchange, and a verification failure that
/// still says what went wrong. Against `Fixtures/tls_server.py` (a self-signed test certificate).
@Suite struct TLSTests {
    final class TLSServer {
        let port: Int
        private let child: PortReportingProcess

        init() throws {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tls_server.py")
            child = try PortReportingProcess(executable: PortReportingProcess.python, arguments: ["-I", "-S", script.path], name: "TLS server")
            port = child.port
        }

        deinit { child.stop() }
    }

    @Test func anHTTPSExchangeWorks() throws {
        let server = try TLSServer()
        // The test certificate is self-signed: this checks the handshake and the exchange, not trust.
        let client = try CurlHTTPClient(configuration: .init(requestTimeout: .seconds(30), verifiesTLSPeer: false))
        let response = try client.send(HTTPRequest(url: "https://localhost:\(server.port)/"))
        #expect(response.status == 200)
        #expect(response.body == Array("tls ok".utf8))
        // The connection is kept alive: a second request reuses it.
        #expect(try client.send(HTTPRequest(url: "https://localhost:\(server.port)/again")).status == 200)
    }

    @Test func anUntrustedCertificateFailsWithAMessageThatSaysSo() throws {
        let server = try TLSServer()
        let client = try CurlHTTPClient(configuration: .init(requestTimeout: .seconds(30)))
        let error = #expect(throws: HTTPClientError.tls) {
            try client.send(HTTPRequest(url: "https://localhost:\(server.port)/"))
        }
        #expect(error?.message.contains("self-signed certificate") == true, "\(error?.message ?? "")")
    }
}
