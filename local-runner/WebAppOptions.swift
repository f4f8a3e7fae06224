import ArgumentParser
import Foundation

/// The options of `local-runner serve` that concern the learner's web app (docs/web-app.md).
struct WebAppOptions: ParsableArguments {
    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Whether POST /dev/token mints a learner token for any user name (the web app's local sign-in).",
            discussion: "Anyone who can reach this port can then act as any learner: turn it off on a shared machine."))
    var devLogin = true

    @Flag(
        name: .customLong("dev-login-authors"),
        help: "Let POST /dev/token also mint author tokens (may import questions); off unless given.")
    var devLoginAuthors = false

    @Option(
        name: .customLong("web-root"),
        help: "The folder of the web app served at / (default: the repository's web/ folder, found from this executable or the working directory).")
    var webRoot: String?

    func validate() throws {
        if devLoginAuthors && !devLogin {
            throw ValidationError("--dev-login-authors needs dev login: drop --no-dev-login or --dev-login-authors")
        }
    }

    /// The dev login as configured, `nil` when it is off.
    var devLoginPolicy: DevLogin.Policy? {
        devLogin ? DevLogin.Policy(allowsAuthors: devLoginAuthors) : nil
    }

    /// The web app's folder: `--web-root`, else the first `web/` holding an `index.html` beside a
    /// `Package.swift`, looking upwards from the executable (`.build/<triple>/<config>/`) and
    /// then in the working directory; `nil` when there is none (serve then runs the API alone).
    func resolvedWebRoot(executableDirectory: URL) throws -> URL? {
        if let webRoot {
            let url = URL(fileURLWithPath: webRoot).standardizedFileURL
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("index.html").path) else {
                throw ValidationError("--web-root \(webRoot) holds no index.html")
            }
            return url
        }
        var candidates: [URL] = []
        var directory = executableDirectory
        for _ in 0..<5 {
            candidates.append(directory)
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        for repository in candidates
        where FileManager.default.fileExists(atPath: repository.appendingPathComponent("Package.swift").path)
            && FileManager.default.fileExists(atPath: repository.appendingPathComponent("web/index.html").path)
        {
            return repository.appendingPathComponent("web").standardizedFileURL
        }
        return nil
    }
}
