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
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
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
        // glibc's mallopt, to keep large buffers out of the heap (see Serve.swift).
        .systemLibrary(name: "CMalloc"),
        // The few POSIX file calls shared by storage and the secret key file.
        .target(name: "FileDropSystem"),
        .target(
            name: "FileDropStorage",
            dependencies: ["CSQLite", "FileDropSystem"]
        ),
        .target(
            name: "FileDropAuth",
            dependencies: ["COpenSSL", "FileDropSystem"]
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
                "CMalloc",
                "FileDropServer",
                "FileDropStorage",
                "FileDropAuth",
                "FileDropSystem",
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
                "FileDropMultipart",
                "FileDropStorage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
