// swift-tools-version:6.1
import PackageDescription

/// Targets that need GStreamer are only built when the `GStreamer` trait is on (the default).
/// A build with `--disable-default-traits` needs no GStreamer headers or libraries at all,
/// which is what the static binary for camera boards uses.
let withGStreamer: TargetDependencyCondition? = .when(traits: ["GStreamer"])
let gstreamerDefine: SwiftSetting = .define("KVS_GSTREAMER", .when(traits: ["GStreamer"]))

let package = Package(
    name: "kvsmaster",
    products: [
        .executable(name: "kvsmaster", targets: ["kvsmaster"]),
    ],
    traits: [
        .trait(name: "GStreamer", description: "Capture and encode media with GStreamer (needs libgstreamer1.0)."),
        .default(enabledTraits: ["GStreamer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // MARK: System libraries (found with pkg-config; each shim header adds typed wrappers
        // for the variadic functions and function-like macros Swift cannot import).
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        .systemLibrary(name: "CUsrsctp", pkgConfig: "usrsctp", providers: [.apt(["libusrsctp-dev"])]),
        .systemLibrary(name: "CWebSockets", pkgConfig: "libwebsockets", providers: [.apt(["libwebsockets-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CGStreamer", pkgConfig: "gstreamer-app-1.0",
            providers: [.apt(["libgstreamer1.0-dev", "libgstreamer-plugins-base1.0-dev"])]),
        .target(name: "CKVSShims"),

        // MARK: Sans-IO protocol cores (standard library only).
        .target(name: "WireKit"),
        .target(name: "STUN", dependencies: ["WireKit", "KVSCrypto"]),
        .target(name: "SDP", dependencies: ["WireKit"]),
        .target(name: "RTP", dependencies: ["WireKit"]),
        .target(name: "TURN", dependencies: ["WireKit", "STUN"]),
        .target(name: "ICE", dependencies: ["WireKit", "STUN", "TURN", "SDP"]),

        // MARK: The event loop: one epoll thread, the serial executor of the actor that owns all state.
        .target(name: "EventLoop", dependencies: ["CKVSShims", "WireKit"]),

        // MARK: The ICE agent's I/O: sockets per interface, TURN allocations, timers, on the event loop.
        .target(
            name: "ICETransport", dependencies: ["EventLoop", "ICE", "TURN", "STUN", "SDP", "WireKit", "KVSCrypto", "COpenSSL"]),

        // MARK: One WebRTC peer connection per viewer: ICE + DTLS + SRTP + SCTP data channels.
        .target(
            name: "PeerConnection",
            dependencies: ["ICETransport", "ICE", "EventLoop", "Security", "DataChannel", "RTP", "SDP", "WireKit", "KVSCrypto"]),

        // MARK: C libraries at the edges.
        .target(name: "KVSCrypto", dependencies: ["COpenSSL"]),
        .target(name: "Security", dependencies: ["COpenSSL", "CSRTP", "KVSCrypto", "WireKit"]),
        .target(name: "DataChannel", dependencies: ["CUsrsctp", "WireKit"]),
        .target(
            name: "Signaling",
            dependencies: [
                "CCurl", "CWebSockets", "CKVSShims", "EventLoop", "KVSCrypto", "WireKit",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "Media",
            dependencies: ["RTP", "WireKit", "EventLoop", .target(name: "CGStreamer", condition: withGStreamer)],
            swiftSettings: [gstreamerDefine]),

        // MARK: Media fan-out (sans-IO): answer negotiation, packetize once, per-viewer RTCP,
        // the shared retransmission cache, keyframe and bitrate control.
        .target(name: "Streaming", dependencies: ["RTP", "SDP", "WireKit", "Media"]),

        // MARK: Entry points for fuzzers (shared by the robustness tests and libFuzzer drivers).
        .target(name: "FuzzTargets", dependencies: ["WireKit", "STUN", "TURN", "SDP", "RTP", "ICE", "Signaling", "DataChannel", "Security"]),

        .executableTarget(name: "kvsfuzz", dependencies: ["FuzzTargets"]),

        // MARK: The daemon.
        .target(
            name: "KVSMaster",
            dependencies: [
                "CKVSShims", "EventLoop", "ICETransport", "PeerConnection", "KVSCrypto", "WireKit", "STUN", "TURN", "ICE", "SDP", "RTP", "Security", "DataChannel",
                "Signaling", "Media", "Streaming", "CWebSockets",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [gstreamerDefine]),
        .executableTarget(
            name: "kvsmaster",
            dependencies: [
                "KVSMaster",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [gstreamerDefine]),

        // MARK: Benchmarks (print numbers; see docs/benchmarks.md).
        .target(name: "CAllocCounter"),
        .executableTarget(
            name: "kvsbench",
            dependencies: [
                "CAllocCounter", "CKVSShims", "RTP", "Security", "WireKit",
                .target(name: "Media", condition: withGStreamer),
            ],
            swiftSettings: [gstreamerDefine]),

        // MARK: Tests.
        .systemLibrary(name: "CZlib", path: "Tests/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .testTarget(name: "WireKitTests", dependencies: ["WireKit", "CZlib"]),
        .testTarget(name: "STUNTests", dependencies: ["STUN", "WireKit"]),
        .testTarget(name: "SDPTests", dependencies: ["SDP"]),
        .testTarget(name: "RTPTests", dependencies: ["RTP", "WireKit", "Security"]),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "SecurityTests", dependencies: ["Security", "KVSCrypto", "COpenSSL", "WireKit"]),
        .testTarget(name: "TURNTests", dependencies: ["TestSupport", "TURN", "STUN", "WireKit", "KVSCrypto"]),
        .testTarget(name: "ICETests", dependencies: ["ICE", "TURN", "STUN", "SDP", "WireKit", "KVSCrypto"]),
        .target(
            name: "TestSupport", dependencies: ["WireKit", "EventLoop", "KVSCrypto", "STUN", "TURN", .product(name: "Logging", package: "swift-log")], path: "Tests/TestSupport"),
        .testTarget(
            name: "SignalingTests",
            dependencies: ["TestSupport", "Signaling", "KVSCrypto", "WireKit", "EventLoop", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "EventLoopTests", dependencies: ["EventLoop", "CKVSShims", "WireKit"]),
        .testTarget(
            name: "ICETransportTests",
            dependencies: ["TestSupport", "ICETransport", "EventLoop", "ICE", "TURN", "STUN", "SDP", "WireKit", "KVSCrypto"]),
        .testTarget(
            name: "PeerConnectionTests",
            dependencies: [
                "TestSupport", "PeerConnection", "ICETransport", "ICE", "EventLoop", "Security", "DataChannel", "RTP", "SDP",
                "WireKit", "KVSCrypto",
            ]),
        .testTarget(name: "DataChannelTests", dependencies: ["DataChannel", "CUsrsctp", "WireKit"]),
        .testTarget(
            name: "SmokeTests",
            dependencies: [
                "COpenSSL", "CSRTP", "CUsrsctp", "CWebSockets", "CCurl", "KVSCrypto", "Security",
                "DataChannel", "Signaling", "Media",
                .target(name: "CGStreamer", condition: withGStreamer),
            ],
            swiftSettings: [gstreamerDefine]),
        .testTarget(name: "StreamingTests", dependencies: ["Streaming", "RTP", "SDP", "WireKit", "Media"]),
        .testTarget(
            name: "MediaTests", dependencies: ["Media", "RTP", "WireKit", .target(name: "CGStreamer", condition: withGStreamer)],
            swiftSettings: [gstreamerDefine]),
        .testTarget(
            name: "KVSMasterTests",
            dependencies: [
                "KVSMaster", "TestSupport", "Streaming", "Media", "Signaling", "PeerConnection", "EventLoop", "SDP", "RTP", "WireKit",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [gstreamerDefine]),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["TestSupport", "RTP", "WireKit", "Media"],
            swiftSettings: [gstreamerDefine]),
    ]
)
