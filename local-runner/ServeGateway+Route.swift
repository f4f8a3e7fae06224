import QuizBootstrap
import QuizHTTP

/// The routes of the gateway: a function's, by the API's route table, or for paths that table
/// does not claim, the web app's (docs/local-runner.md, "How a request travels").
extension ServeGateway {
    /// What a request is for, once its method and path are known.
    enum Route: Sendable {
        /// A route of the API: one function's.
        case function(RouteMatch<FunctionName>)
        /// A file of the web app, at this path (`GET`, `HEAD`).
        case file(WebAppFiles.File, path: String)
        /// The web app's dev login (`POST /dev/token`).
        case devLogin(DevLogin)

        /// The route's path template, as error messages name it.
        var template: String {
            switch self {
            case .function(let match): match.template
            case .file(_, let path): path
            case .devLogin: DevLogin.path
            }
        }

        /// The function whose queue it may wait in; `nil` for the web app's routes.
        var function: FunctionName? {
            if case .function(let match) = self { match.route } else { nil }
        }

        /// Who answers it.
        var responder: Responder {
            switch self {
            case .function(let match): .function(match.route)
            case .file: .webApp
            case .devLogin: .devLogin
            }
        }

        /// The largest body it takes.
        func bodyLimit(_ limits: ServeLimits) -> Int {
            switch self {
            case .function, .file: limits.maxEventBytes
            case .devLogin: min(DevLogin.bodyLimit, limits.maxEventBytes)
            }
        }
    }

    /// Who answered a request, as its log line names it.
    enum Responder: Sendable, Equatable {
        /// A function (its workers, or the gateway on its behalf).
        case function(FunctionName)
        /// The web app's files.
        case webApp
        /// The dev login.
        case devLogin

        /// The name in the log line.
        var name: String {
            switch self {
            case .function(let function): function.rawValue
            case .webApp: "web"
            case .devLogin: "dev-login"
            }
        }
    }
}
