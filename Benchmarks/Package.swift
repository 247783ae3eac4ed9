// swift-tools-version: 6.1
// Strobe's Swift benchmarks (package-benchmark), a package of their own so that packages
// depending on Strobe never fetch the benchmark framework.
// Run: swift package --package-path Benchmarks benchmark   (or scripts/swift-bench)
import PackageDescription

let package = Package(
    name: "StrobeBenchmarks",
    dependencies: [
        .package(name: "Strobe", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "GPIO",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Strobe", package: "Strobe"),
            ],
            path: "Benchmarks/GPIO",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
