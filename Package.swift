// swift-tools-version: 6.0
// Strobe — Raspberry Pi GPIO for Swift, as fast as hand-written C.
//
// The manifest for Swift 6.0 (Debian 13's own swiftlang). Swift 6.1 and newer read
// Package@swift-6.1.swift instead, the same package with the package trait Libgpiod (on by
// default) that can turn the libgpiod backend off; 6.0 has no traits, so here the backend is
// always built and its code enabled by a define of the same name. Keep the two alike.
import PackageDescription

let package = Package(
    name: "Strobe",
    products: [
        .library(name: "Strobe", targets: ["Strobe"]),
        // The virtual bench: simulated registers with hardware semantics, virtual time, VCD.
        .library(name: "StrobeSimulator", targets: ["StrobeSimulator"]),
        .executable(name: "strobe", targets: ["strobe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
    ],
    targets: [
        // The C core: register layouts, hot-path accessors, detection, mapping, the clock, the
        // sysfs backend, the waveform engine.
        .target(
            name: "CStrobe",
            path: "CSources/CStrobe",
            linkerSettings: [.linkedLibrary("pthread")]
        ),
        // The simulator's C side: the virtual bench's register model, its store decoder (a
        // SIGSEGV handler) and virtual clock. Never linked by a program that only drives hardware.
        .target(
            name: "CStrobeSimulator",
            dependencies: ["CStrobe"],
            path: "CSources/CStrobeSimulator",
            linkerSettings: [.linkedLibrary("pthread"), .linkedLibrary("m")]
        ),
        // libgpiod 1.6 or 2.x (Debian: libgpiod-dev), whichever pkg-config finds.
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
            swiftSettings: [.swiftLanguageMode(.v6), .define("Libgpiod")]
        ),
        // The virtual bench in Swift: VirtualBench, Board.virtual(_:).
        .target(
            name: "StrobeSimulator",
            dependencies: [
                "Strobe",
                "CStrobe",
                "CStrobeSimulator",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .define("Libgpiod")]
        ),
        // The `strobe` command-line tool.
        .executableTarget(
            name: "strobe",
            dependencies: [
                "Strobe",
                "StrobeSimulator",
                "CStrobeGpiod",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .define("Libgpiod")]
        ),
        .testTarget(
            name: "StrobeTests",
            dependencies: ["Strobe", "StrobeSimulator", "CStrobe", "CStrobeSimulator", "CStrobeGpiod"],
            exclude: ["Fixtures"],
            swiftSettings: [.swiftLanguageMode(.v6), .define("Libgpiod")]
        ),
    ]
)
