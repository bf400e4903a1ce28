// swift-tools-version:6.0
import PackageDescription

// System libraries are found on the default search paths (Debian installs the headers in
// /usr/include), so no pkg-config is involved: `make release` links the same targets
// statically by pointing the linker at a folder that holds only the `.a` archives.
let package = Package(
    name: "FileDrop",
    products: [
        .executable(name: "app", targets: ["app"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "FileDropStorage",
            dependencies: ["CSQLite"]
        ),
        .target(
            name: "FileDropAuth",
            dependencies: ["COpenSSL"]
        ),
        .target(
            name: "FileDropMultipart",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(name: "FileDropAssets"),
        .target(
            name: "FileDropServer",
            dependencies: [
                "FileDropStorage",
                "FileDropAuth",
                "FileDropMultipart",
                "FileDropAssets",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "app",
            dependencies: [
                "FileDropServer",
                "FileDropStorage",
                "FileDropAuth",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libFuzzer harness for the multipart parser: `make fuzz` builds it with
        // `-sanitize=fuzzer -DFUZZING`; an ordinary build gets a stub `main` that says so.
        .executableTarget(
            name: "MultipartFuzzer",
            dependencies: ["FileDropMultipart", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/MultipartFuzzer"
        ),
        .testTarget(name: "FileDropStorageTests", dependencies: ["FileDropStorage"]),
        .testTarget(name: "FileDropAuthTests", dependencies: ["FileDropAuth"]),
        .testTarget(
            name: "FileDropMultipartTests",
            dependencies: ["FileDropMultipart", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "FileDropServerTests",
            dependencies: [
                "FileDropServer",
                "FileDropAuth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
