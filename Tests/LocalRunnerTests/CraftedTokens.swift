import Foundation
import Testing

/// HS256 tokens with any claims at all, signed with a runner's real secret: what a client
/// holding the secret, or a buggy minting tool, could send. Made with Python's `hmac`, outside
/// the code under test, so that a claim the runner would never mint can still be signed.
enum CraftedTokens {
    /// A token whose payload is exactly `payloadJSON` (its header `{"alg":"HS256","typ":"JWT"}`),
    /// signed with `secret`.
    static func sign(_ payloadJSON: String, secret: String = ServeInstance.secret) throws -> String {
        try sign(payloads: [payloadJSON], secret: secret)[0]
    }

    /// One token per payload, from a single Python process.
    static func sign(payloads: [String], secret: String = ServeInstance.secret) throws -> [String] {
        let script = """
            import base64, hashlib, hmac, json, sys
            def b64(raw): return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
            secret = sys.argv[1].encode()
            for line in sys.stdin.read().split("\\n"):
                if not line: continue
                signing = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(line.encode())
                print(signing + "." + b64(hmac.new(secret, signing.encode(), hashlib.sha256).digest()))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServeStandInTests.python)
        process.arguments = ["-S", "-c", script, secret]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(payloads.joined(separator: "\n").utf8 + [0x0A]))
        try input.fileHandleForWriting.close()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let tokens = printed.split(separator: "\n").map(String.init)
        try #require(process.terminationStatus == 0 && tokens.count == payloads.count, "python could not sign the tokens")
        return tokens
    }

    /// The epoch seconds now.
    static var now: Int64 { Int64(Date().timeIntervalSince1970) }
}
