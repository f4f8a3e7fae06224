import Testing

@testable import CurlHTTP

/// Where HTTPS verification finds the trusted CA certificates: the same libcurl (Debian's,
/// carried in a Lambda zip) must find them on Debian and on Amazon Linux.
@Suite struct CertificateBundleTests {
    @Test func sslCertFileWins() {
        #expect(CurlLibrary.certificateBundle(environment: "/custom/ca.pem", exists: { _ in true }) == "/custom/ca.pem")
    }

    @Test(arguments: [
        (["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"], "/etc/ssl/certs/ca-certificates.crt"),  // Debian, Ubuntu
        (["/etc/pki/tls/certs/ca-bundle.crt"], "/etc/pki/tls/certs/ca-bundle.crt"),  // Amazon Linux 2023 (Lambda), Fedora
        (["/etc/ssl/cert.pem"], "/etc/ssl/cert.pem"),  // Alpine
    ])
    func theFirstBundleThatExistsIsUsed(present: [String], chosen: String) {
        #expect(CurlLibrary.certificateBundle(environment: nil, exists: present.contains) == chosen)
        #expect(CurlLibrary.certificateBundle(environment: "", exists: present.contains) == chosen)
    }

    @Test func withNoBundleAnywhereLibcurlKeepsItsOwnDefault() {
        #expect(CurlLibrary.certificateBundle(environment: nil, exists: { _ in false }) == nil)
    }
}
