// swift-tools-version:5.9
// mod_proxy and mod_proxy_protocol for ProFTPD, in Swift: one shared object
// (`mod_proxy.so`) exporting both module tables.
import PackageDescription

let proftpdCFlags = ["-D_GNU_SOURCE", "-DLINUX", "-DPR_SHARED_MODULE",
                     "-idirafter", "/usr/include/proftpd"]

let package = Package(
    name: "ModProxySwift",
    products: [
        // The DSO installed as mod_proxy.so (+ the mod_proxy_protocol.so symlink).
        .library(name: "ModProxySwift", type: .dynamic, targets: ["ModProxySwift"]),
    ],
    targets: [
        // ProFTPD, OpenSSL, SQLite and libssh2 headers.
        .systemLibrary(name: "CProFTPD", path: "Sources/CProFTPD"),

        // The module tables and one-line shims for varargs functions and macros.
        .target(
            name: "CShims",
            dependencies: ["CProFTPD"],
            path: "Sources/CShims",
            cSettings: [.unsafeFlags(proftpdCFlags)]
        ),

        // Pure logic (parsers, codecs, policies): no ProFTPD symbols, so unit
        // tests link without the daemon.
        .target(name: "ProxyCore", path: "Sources/ProxyCore"),

        // SQLite alone, for the datastore (no ProFTPD headers).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),

        // The datastore behind ProxyTables (reverse-proxy state), SQLite only,
        // so its tests run without the daemon.
        .target(name: "ProxyStore", dependencies: ["CSQLite", "ProxyCore"], path: "Sources/ProxyStore"),

        // OpenSSL's libcrypto alone, for the SSH transport (no ProFTPD headers).
        .systemLibrary(name: "COpenSSLCrypto", path: "Sources/COpenSSLCrypto"),

        // The backend SSH client transport: a pure state machine on libcrypto,
        // so its tests run without the daemon.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "ProxySSH", dependencies: ["COpenSSLCrypto", "CZlib"], path: "Sources/ProxySSH"),

        // Proof against a real sshd (tests/integration/test_ssh_transport.py); not installed.
        .executableTarget(name: "ssh-transport-probe", dependencies: ["ProxySSH"], path: "Sources/ssh-transport-probe"),

        // The modules: bridge to the ProFTPD API, sessions, transfers, datastore.
        .target(
            name: "ModProxySwift",
            dependencies: ["ProxyCore", "ProxyStore", "ProxySSH", "CShims", "CProFTPD"],
            path: "Sources/ModProxySwift",
            swiftSettings: [
                .unsafeFlags(proftpdCFlags.flatMap { ["-Xcc", $0] }),
            ],
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib",
                    "-Xlinker", "--version-script=\(Context.packageDirectory)/exports.map",
                    "-Xlinker", "-z", "-Xlinker", "nodelete",
                    "-Xlinker", "-z", "-Xlinker", "now",
                ]),
            ]
        ),

        .testTarget(name: "ProxyCoreTests", dependencies: ["ProxyCore"], path: "Tests/ProxyCoreTests",
                    exclude: ["Fixtures"]),
        .testTarget(name: "ProxySSHTests", dependencies: ["ProxySSH", "COpenSSLCrypto", "ProxyCore"], path: "Tests/ProxySSHTests"),
        .testTarget(name: "ProxyStoreTests", dependencies: ["ProxyStore"], path: "Tests/ProxyStoreTests"),
    ]
)
