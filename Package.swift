// swift-tools-version: 6.1
// Strobe — Raspberry Pi GPIO for Swift, as fast as hand-written C.
import PackageDescription

let package = Package(
    name: "Strobe",
    products: [
        .library(name: "Strobe", targets: ["Strobe"]),
        .executable(name: "strobe", targets: ["strobe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // The C core: register layouts, hot-path accessors, detection, mapping, virtual bench.
        .target(
            name: "CStrobe",
            path: "CSources/CStrobe",
            linkerSettings: [.linkedLibrary("pthread")]
        ),
        // libgpiod v1.6 (Debian: libgpiod-dev), found with pkg-config.
        .systemLibrary(
            name: "CGpiod",
            path: "CSources/CGpiod",
            pkgConfig: "libgpiod",
            providers: [.apt(["libgpiod-dev"])]
        ),
        // The character-device backend of the C core, over libgpiod.
        .target(
            name: "CStrobeGpiod",
            dependencies: ["CStrobe", "CGpiod"],
            path: "CSources/CStrobeGpiod"
        ),
        // The Swift API. It imports CStrobe publicly so @inlinable hot paths reach the C inlines.
        .target(
            name: "Strobe",
            dependencies: [
                "CStrobe",
                "CStrobeGpiod",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The `strobe` command-line tool.
        .executableTarget(
            name: "strobe",
            dependencies: [
                "Strobe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "StrobeTests",
            dependencies: ["Strobe", "CStrobe", "CStrobeGpiod"],
            exclude: ["Fixtures"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
