// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "AdaptiveQuiz",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "QuizStore", targets: ["QuizStore", "QuizStoreSQLite", "QuizStoreDynamoDB"]),
        .executable(name: "quiz-store-bench", targets: ["StoreBenchmark"]),
        .executable(name: "local-runner", targets: ["local-runner"]),
        .executable(name: "quiz-answer-bench", targets: ["AnswerBenchmark"]),
        .executable(name: "quiz-draw-bench", targets: ["DrawBenchmark"]),
        .executable(name: "quiz-dynamodb-bench", targets: ["DynamoDBBenchmark"]),
        .executable(name: "quiz-runtime-bench", targets: ["RuntimeBenchmark"]),
        .executable(name: "quiz-serve-bench", targets: ["ServeBenchmark"]),
        .executable(name: "quiz-chaos-bench", targets: ["ChaosBenchmark"]),
        .executable(name: "runtime-floor", targets: ["RuntimeFloor"]),
        .executable(name: "quiz-learning-bench", targets: ["LearningSimulation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // `local-runner serve`: its HTTP/1.1 gateway and Runtime API on NIO's event loops, its
        // services (gateway, workers, schedule) and their graceful stop under ServiceLifecycle.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // MARK: - C libraries
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // OpenSSL's libcrypto, which libcurl loads for TLS anyway.
        .systemLibrary(
            name: "CLibcrypto",
            path: "Sources/CLibcrypto",
            providers: [.apt(["libssl-dev"])]
        ),

        // MARK: - SHA-256 and HMAC over libcrypto (swift-crypto's API, one crypto library per process)
        .target(name: "SystemCrypto", dependencies: ["CLibcrypto"], swiftSettings: swiftSettings),

        // MARK: - Byte-level codecs and JSON
        // Percent-encoding, LEB128 varints, UTF-8 checks: one of each, for every module.
        .target(name: "ByteCoding", swiftSettings: swiftSettings),
        // The one JSON parser and writer (docs/json.md).
        .target(name: "StrictJSON", dependencies: ["ByteCoding"], swiftSettings: swiftSettings),

        // MARK: - HTTP over libcurl
        .target(name: "CurlHTTP", dependencies: ["CCurl", "CLibcrypto"], swiftSettings: swiftSettings),

        // MARK: - Lambda Runtime API
        .target(name: "LambdaRuntime", dependencies: ["CurlHTTP"], swiftSettings: swiftSettings),

        // MARK: - Table layer
        .target(name: "QuizStore", dependencies: ["ByteCoding"], swiftSettings: swiftSettings),
        .target(name: "QuizStoreSQLite", dependencies: ["QuizStore", "CSQLite"], swiftSettings: swiftSettings),
        .target(name: "QuizResilience", dependencies: ["QuizStore"], swiftSettings: swiftSettings),
        .target(
            name: "QuizStoreDynamoDB",
            dependencies: ["QuizStore", "CurlHTTP", "ByteCoding", "StrictJSON", "SystemCrypto"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Quiz domain
        .target(name: "QuizEngine", swiftSettings: swiftSettings),

        .target(name: "QuestionImport", dependencies: ["QuizEngine", "StrictJSON"], swiftSettings: swiftSettings),

        // MARK: - Data layer: records, learners' data, question banks, idempotency (docs/data-layer.md)
        .target(name: "QuizData", dependencies: ["QuizStore", "QuizEngine"], swiftSettings: swiftSettings),

        // MARK: - Functions
        // QuizEngine for `Identifier`, the one rule for ids (path parameters are ids).
        .target(name: "QuizHTTP", dependencies: ["ByteCoding", "QuizEngine", "StrictJSON"], swiftSettings: swiftSettings),
        .target(name: "QuizObservability", dependencies: ["StrictJSON"], swiftSettings: swiftSettings),
        .target(
            name: "QuizFunctions",
            dependencies: [
                "QuizData", "QuizStore", "QuizEngine", "QuizHTTP", "QuizObservability", "QuestionImport", "SystemCrypto",
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "QuizBootstrap",
            dependencies: [
                "QuizFunctions", "QuizStore", "QuizStoreSQLite", "QuizStoreDynamoDB", "QuizResilience", "QuizObservability", "LambdaRuntime",
                "CurlHTTP",
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Function bootstraps (functions/<name>/main.swift; packaged as `bootstrap`)
        .executableTarget(name: "session-function", dependencies: ["QuizBootstrap"], path: "functions/session", exclude: ["events"], swiftSettings: swiftSettings),
        .executableTarget(name: "quiz-function", dependencies: ["QuizBootstrap"], path: "functions/quiz", exclude: ["events"], swiftSettings: swiftSettings),
        .executableTarget(name: "answer-function", dependencies: ["QuizBootstrap"], path: "functions/answer", exclude: ["events"], swiftSettings: swiftSettings),
        .executableTarget(name: "progress-function", dependencies: ["QuizBootstrap"], path: "functions/progress", exclude: ["events"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "maintenance-function", dependencies: ["QuizBootstrap"], path: "functions/maintenance", exclude: ["events"], swiftSettings: swiftSettings),

        // MARK: - Local runner
        .executableTarget(
            name: "local-runner",
            dependencies: [
                "QuizBootstrap", "QuizData", "QuizFunctions", "QuizHTTP", "QuizObservability", "QuizStore", "QuizStoreDynamoDB",
                "QuizStoreSQLite", "StrictJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                // serve's gateway and Runtime API: HTTP/1.1 handlers on NIO's event loops.
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "local-runner",
            swiftSettings: swiftSettings
        ),

        // MARK: - Benchmarks (Benchmarks/; not product code)
        // Process and /proc helpers shared by the benchmarks and the tests: starting children and
        // stopping them on every path, finding sibling executables, free loopback ports.
        .target(name: "ProcessTools", path: "Benchmarks/ProcessTools", swiftSettings: swiftSettings),
        .target(name: "BenchmarkSupport", path: "Benchmarks/BenchmarkSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "StoreBenchmark",
            dependencies: ["LambdaRuntime", "QuizStore", "QuizStoreSQLite", "CSQLite"],
            path: "Benchmarks/StoreBenchmark",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "DynamoDBBenchmark",
            dependencies: ["ProcessTools", "QuizStore", "QuizStoreDynamoDB", "QuizResilience", "QuizTestSupport"],
            path: "Benchmarks/DynamoDBBenchmark",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "AnswerBenchmark",
            dependencies: ["LambdaRuntime", "QuizBootstrap", "QuizData", "QuizFunctions", "QuizHTTP", "QuizEngine", "QuizStore"],
            path: "Benchmarks/AnswerBenchmark",
            swiftSettings: swiftSettings
        ),
        // `make bench-draw`: session starts from a 200- and a 50,000-question bank.
        .executableTarget(
            name: "DrawBenchmark",
            dependencies: ["BenchmarkSupport", "LambdaRuntime", "QuizBootstrap", "QuizData", "QuizFunctions", "QuizHTTP"],
            path: "Benchmarks/DrawBenchmark",
            swiftSettings: swiftSettings
        ),
        // The runtime and serve benchmarks (`make bench-runtime`, `make bench-serve`), and the C
        // libcurl Runtime API loop the runtime benchmark measures ours against.
        .executableTarget(name: "RuntimeFloor", path: "Benchmarks/RuntimeFloor", linkerSettings: [.linkedLibrary("curl")]),
        .executableTarget(
            name: "RuntimeBenchmark", dependencies: ["BenchmarkSupport", "ProcessTools", "CurlHTTP"], path: "Benchmarks/RuntimeBenchmark",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "ServeBenchmark", dependencies: ["BenchmarkSupport", "ProcessTools", "CurlHTTP", "StrictJSON"], path: "Benchmarks/ServeBenchmark",
            swiftSettings: swiftSettings),
        // `make bench-learning`: simulated learners under quiz, review and random scheduling.
        .executableTarget(
            name: "LearningSimulation", dependencies: ["QuizEngine"], path: "Benchmarks/LearningSimulation",
            swiftSettings: swiftSettings),

        // MARK: - Tests
        .executableTarget(
            name: "StoreWorker",
            dependencies: ["QuizStore", "QuizStoreSQLite"],
            path: "Tests/StoreWorker",
            swiftSettings: swiftSettings
        ),
        // Servers the tests start and stop: moto (DynamoDB) and the fault-injecting proxy in front of it.
        .target(
            name: "QuizTestSupport",
            dependencies: ["ProcessTools", "QuizEngine", "QuizStore", "QuizStoreDynamoDB", "CurlHTTP"],
            path: "Tests/QuizTestSupport",
            exclude: ["Scripts"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QuizStoreTests",
            dependencies: ["QuizStore", "QuizStoreSQLite", "QuizStoreDynamoDB", "QuizResilience", "QuizTestSupport", "StoreWorker"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "QuizResilienceTests", dependencies: ["QuizResilience", "QuizStore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "QuizDataTests", dependencies: ["QuizData", "QuizEngine", "QuizStore", "QuizStoreSQLite", "QuizTestSupport"],
            swiftSettings: swiftSettings),
        // The memory model's oracle test runs the reference FSRS package (Scripts/fsrs_oracle.py).
        .testTarget(
            name: "QuizEngineTests", dependencies: ["QuizEngine", "QuizTestSupport"], exclude: ["Scripts"],
            swiftSettings: swiftSettings),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP", "QuizTestSupport"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "QuizHTTPTests", dependencies: ["QuizHTTP", "StrictJSON"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "QuizFunctionsTests",
            dependencies: [
                "QuizData", "QuizFunctions", "QuizHTTP", "QuizStore", "QuizStoreSQLite", "QuizStoreDynamoDB", "QuizResilience",
                "QuizEngine", "QuizObservability", "QuizBootstrap", "QuizTestSupport",
            ],
            exclude: ["Contract"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "QuestionImportTests", dependencies: ["QuestionImport", "QuizEngine", "StrictJSON"], swiftSettings: swiftSettings),
        .testTarget(name: "QuizStoreCodingTests", dependencies: ["QuizStore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LocalRunnerTests",
            dependencies: [
                "local-runner", "QuizBootstrap", "QuizData", "QuizFunctions", "QuizEngine", "QuizHTTP", "QuizStore", "QuizStoreSQLite",
                "QuizStoreDynamoDB", "QuizTestSupport", "ProcessTools", "CurlHTTP", "QuizObservability",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QuizStoreDynamoDBTests", dependencies: ["QuizStoreDynamoDB", "QuizStore", "StrictJSON", "QuizTestSupport", "ReadBatchFunction"],
            swiftSettings: swiftSettings),
        // A bootstrap that times a DynamoDB read batch inside the Lambda runtime loop, for QuizStoreDynamoDBTests.
        .executableTarget(
            name: "ReadBatchFunction", dependencies: ["LambdaRuntime", "QuizStore", "QuizStoreDynamoDB", "StrictJSON"], path: "Tests/ReadBatchFunction",
            swiftSettings: swiftSettings),
        .executableTarget(name: "EchoFunction", dependencies: ["LambdaRuntime", "CurlHTTP"], path: "Tests/EchoFunction", swiftSettings: swiftSettings),
        .testTarget(
            name: "LambdaRuntimeTests",
            dependencies: ["LambdaRuntime", "CurlHTTP", "EchoFunction", "session-function", "ProcessTools", "QuizTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(name: "QuizObservabilityTests", dependencies: ["QuizObservability", "StrictJSON"], swiftSettings: swiftSettings),
        .testTarget(name: "SystemCryptoTests", dependencies: ["SystemCrypto"], swiftSettings: swiftSettings),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON", "ByteCoding"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        // The JSON parser under libFuzzer (docs/json.md); built normally, it replays the inputs named on its command line.
        .executableTarget(name: "JSONFuzzer", dependencies: ["StrictJSON"], path: "Tests/JSONFuzzer", exclude: ["Corpus"], swiftSettings: swiftSettings),
        // The learner's web app (web/) under `local-runner serve`, over HTTP and in headless Chromium.
        .testTarget(
            name: "WebAppTests",
            dependencies: ["local-runner", "ProcessTools", "QuizTestSupport", .product(name: "NIOCore", package: "swift-nio")],
            exclude: ["Scripts"],
            swiftSettings: swiftSettings),

        // MARK: - Chaos: learners through `serve` with faulted stores (docs/idempotency.md, README)
        // Any function over a fault-injecting store: test-only, placed by the chaos runs as
        // `<function>-function` symlinks; never packaged.
        .executableTarget(name: "ChaosBootstrap", dependencies: ["QuizBootstrap", "QuizTestSupport"], path: "Tests/ChaosBootstrap", swiftSettings: swiftSettings),
        // The chaos run itself, shared by its test and its benchmark.
        .target(
            name: "ChaosRun",
            dependencies: ["ProcessTools", "QuizTestSupport", "QuizData", "QuizEngine", "QuizStore", "QuizStoreSQLite", "QuizStoreDynamoDB"],
            path: "Benchmarks/ChaosRun", swiftSettings: swiftSettings),
        .executableTarget(name: "ChaosBenchmark", dependencies: ["ChaosRun", "ProcessTools", "QuizTestSupport"], path: "Benchmarks/ChaosBenchmark", swiftSettings: swiftSettings),
        .testTarget(
            name: "ChaosTests", dependencies: ["ChaosRun", "ChaosBootstrap", "QuizTestSupport", "local-runner"], swiftSettings: swiftSettings),
    ]
)
