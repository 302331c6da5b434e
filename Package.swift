// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "qscope",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "qscope", targets: ["qscope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CLAPACKE", path: "Sources/CLAPACKE"),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        // bf16 GEMM kernels; AVX512-BF16 code is enabled per function, so any x86-64 build works.
        .target(name: "CKernels", linkerSettings: [.linkedLibrary("openblas")]),
        .target(name: "Core", dependencies: ["CBLAS", "CLAPACKE", "CKernels"]),
        .target(name: "Analysis", dependencies: ["Core"]),
        // The study: its spec, protocol, run store (SQLite), results and report.
        .target(name: "Study", dependencies: ["Core", "Analysis", "CSQLite"]),
        .target(name: "TUI", dependencies: ["Core", "Analysis", "Study", "CNcursesw"]),
        .executableTarget(
            name: "qscope",
            dependencies: [
                "Core", "Analysis", "Study", "TUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .testTarget(name: "CoreTests", dependencies: ["Core", "FuzzSupport"], resources: [.copy("Golden")]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Core"]),
        .testTarget(name: "StudyTests", dependencies: ["Study", "Analysis", "Core"]),
        .testTarget(name: "TUITests", dependencies: ["TUI", "Study"], exclude: ["Snapshots"]),
        // Mutations shared by the in-process and end-to-end fuzz tests.
        .target(name: "FuzzSupport", dependencies: ["Core"], path: "Tests/FuzzSupport"),
        .testTarget(name: "EndToEndTests", dependencies: ["Core", "FuzzSupport"]),
        // The CLI's own wiring (flags and run files into RunSpecs), through @testable import.
        .testTarget(name: "QScopeTests", dependencies: ["qscope", "Core", "TUI"]),
    ],
    swiftLanguageModes: [.v6]
)
