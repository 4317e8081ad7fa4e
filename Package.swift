// swift-tools-version:6.1
import PackageDescription

/// Settings every Lepton module shares: Swift 6 language mode plus the upcoming features the
/// style guide asks for (no existential without `any`, explicit imports).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Lepton",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lepton", targets: ["lepton"]),
        .executable(name: "lepton-trainer", targets: ["lepton-trainer"]),
        .library(name: "LeptonDescription", targets: ["LeptonDescription"]),
        .plugin(name: "LeptonPlugin", targets: ["LeptonPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // The DSL a Leptonfile imports. No dependencies and no Foundation: the loader compiles
        // these very sources (embedded in the binary) for every Leptonfile evaluation.
        .target(
            name: "LeptonDescription",
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        // Quality gates on metrics, shared by the engine and the trainer; no dependencies.
        .target(
            name: "LeptonMetrics",
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        // SHA-256 with the CPU's SHA extensions (assembly generated with -O3, so debug builds
        // hash at full speed too) or a portable function; replaces swift-crypto and BoringSSL.
        .target(
            name: "CLeptonHash",
            exclude: ["README.md", "generate"]
        ),
        // Starts stage processes (fork + exec with PR_SET_PDEATHSIG, which posix_spawn cannot set).
        .target(
            name: "CLeptonSpawn",
            exclude: ["README.md"]
        ),
        // The low-level pieces everything shares, depending on nothing: the one POSIX funnel
        // (FileSystem, FileDescriptor, typed errno), strict JSON, the clock, the environment,
        // diagnostics and the error type.
        .target(
            name: "LeptonSystem",
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        // The engine: graph, hashing, state, cache, scheduling, execution. Never prints.
        .target(
            name: "LeptonCore",
            dependencies: [
                "LeptonSystem",
                "CLeptonSpawn",
                "CLeptonHash",
                "LeptonMetrics",
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        // Runs stages as jobs on a cluster scheduler (Slurm) through its client commands.
        .target(
            name: "LeptonCluster",
            dependencies: ["LeptonSystem", "LeptonCore"],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        // Compiles and evaluates a Leptonfile against the embedded DSL sources.
        .target(
            name: "LeptonLoading",
            dependencies: ["LeptonSystem", "LeptonCore", "LeptonMetrics"],
            exclude: ["README.md"],
            resources: [.embedInCode("DescriptionSources")],
            swiftSettings: strictSettings
        ),
        // The trainer's hot kernels: C and an AVX2/FMA assembly GEMM micro-kernel chosen at run
        // time, fast even in a debug build (the plugin's tool is built in debug). zlib reads
        // gzip-compressed data files.
        .target(
            name: "CLeptonKernels",
            exclude: ["README.md", "generate"],
            linkerSettings: [.linkedLibrary("z")]
        ),
        // A small HTTP client over libcurl, loaded with dlopen on first use: no headers or
        // library needed to build, nothing loaded unless a remote cache is configured.
        .target(
            name: "CLeptonHTTP",
            exclude: ["README.md"],
            linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]
        ),
        // The shared remote cache over HTTP (Bazel's cas/ac layout): the HTTP blob store and
        // the package's remote configuration. The engine's side is LeptonCore's RemoteCache.
        .target(
            name: "LeptonRemote",
            dependencies: ["LeptonSystem", "LeptonCore", "CLeptonHTTP"],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        // The built-in tensor trainer. Depends on nothing else in Lepton.
        .target(
            name: "LeptonTrainer",
            dependencies: ["CLeptonKernels"],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        // train/evaluate/predict, shared by `lepton` and the small `lepton-trainer`.
        .target(
            name: "LeptonTrainerCommands",
            dependencies: [
                "LeptonTrainer",
                "LeptonMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        // The CLI as a library, so tests can run commands without spawning a process.
        .target(
            name: "LeptonCommands",
            dependencies: [
                "LeptonSystem",
                "LeptonCore",
                "LeptonLoading",
                "LeptonRemote",
                "LeptonCluster",
                "LeptonTrainerCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "lepton",
            dependencies: ["LeptonCommands"],
            swiftSettings: strictSettings
        ),
        // The optimized trainer the plugin builds for `.train`/`.evaluate` stages.
        .executableTarget(
            name: "lepton-trainer",
            dependencies: ["LeptonTrainerCommands"],
            swiftSettings: strictSettings
        ),
        // Benchmarks/trainer.py drives this (`swift run -c release lepton-benchmark`); not a product.
        .executableTarget(
            name: "lepton-benchmark",
            dependencies: ["LeptonTrainer"],
            swiftSettings: strictSettings
        ),
        .plugin(
            name: "LeptonPlugin",
            capability: .command(
                intent: .custom(verb: "lepton", description: "Build the stages of the package's Leptonfile"),
                permissions: [
                    .writeToPackageDirectory(
                        reason: "Lepton writes stage outputs, Lepton.lock and its .lepton/ cache in the package"
                    )
                ]
            ),
            dependencies: ["lepton"]
        ),
        .target(
            name: "_LeptonTestSupport",
            dependencies: ["LeptonSystem", "LeptonCore"],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LeptonCoreTests",
            dependencies: ["LeptonSystem", "LeptonCore", "_LeptonTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LeptonTrainerTests",
            dependencies: ["LeptonTrainer", "CLeptonKernels"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LeptonLoadingTests",
            dependencies: ["LeptonSystem", "LeptonLoading", "LeptonCore", "_LeptonTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LeptonRemoteTests",
            dependencies: ["LeptonSystem", "LeptonRemote", "LeptonCore", "_LeptonTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LeptonClusterTests",
            dependencies: ["LeptonSystem", "LeptonCluster", "LeptonCore", "LeptonRemote", "_LeptonTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LeptonCommandsTests",
            dependencies: ["LeptonSystem", "LeptonCommands", "LeptonCore", "_LeptonTestSupport"],
            swiftSettings: strictSettings
        ),
    ]
)
