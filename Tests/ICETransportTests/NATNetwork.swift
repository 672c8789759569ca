import Foundation
import Glibc

/// A NAT built from network namespaces for one test, on private subnets of 10.201/16 chosen at
/// random, torn down in `remove()`:
///
/// ```
///  root namespace (the test)      router namespace               outside namespace
///  10.201.a.2 ──veth── 10.201.a.1 │ MASQUERADE │ 10.201.b.1 ──veth── 10.201.b.2 (coturn, peers)
/// ```
///
/// The root namespace only gains one veth end with an address and a route to the outside
/// subnet through the router; deleting the router namespace destroys that veth pair too.
/// iptables runs inside the router namespace only.
final class NATNetwork {
    let router: String
    let outside: String
    /// The test's (inside) address, the router's public address, the outside host's address.
    let insideAddress: String
    let publicAddress: String
    let outsideAddress: String
    private let rootLink: String
    private var created: [String] = []

    struct CommandFailed: Error, CustomStringConvertible {
        var description: String
    }

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.ip) else {
            throw MissingTool(description: "\(TestPaths.ip) is missing: install the Debian packages 'iproute2' and "
                + "'iptables' (scripts/install-deps.sh --test does).")
        }
        let tag = String(UInt32.random(in: 0x1000...0xFFFF), radix: 16)
        let a = Int.random(in: 8...120) * 2
        let b = a + 1
        router = "kvsnat-\(tag)-r"
        outside = "kvsnat-\(tag)-o"
        rootLink = "kvn\(tag)a"
        insideAddress = "10.201.\(a).2"
        publicAddress = "10.201.\(b).1"
        outsideAddress = "10.201.\(b).2"
        do {
            try build(tag: tag, a: a, b: b)
        } catch {
            remove()
            throw error
        }
    }

    private func build(tag: String, a: Int, b: Int) throws {
        let routerIn = "kvn\(tag)b", routerOut = "kvn\(tag)c", outsideLink = "kvn\(tag)d"
        try Self.run(["netns", "add", router])
        created.append(router)
        try Self.run(["netns", "add", outside])
        created.append(outside)
        try Self.run(["link", "add", rootLink, "type", "veth", "peer", "name", routerIn])
        try Self.run(["link", "set", routerIn, "netns", router])
        try Self.run(["link", "add", routerOut, "netns", router, "type", "veth", "peer", "name", outsideLink, "netns", outside])
        try Self.run(["addr", "add", "\(insideAddress)/24", "dev", rootLink])
        try Self.run(["link", "set", rootLink, "up"])
        try Self.run(["route", "add", "10.201.\(b).0/24", "via", "10.201.\(a).1", "dev", rootLink])
        try inRouter(["ip", "addr", "add", "10.201.\(a).1/24", "dev", routerIn])
        try inRouter(["ip", "addr", "add", "\(publicAddress)/24", "dev", routerOut])
        for link in ["lo", routerIn, routerOut] { try inRouter(["ip", "link", "set", link, "up"]) }
        try inRouter(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
        try inRouter(["iptables", "-t", "nat", "-A", "POSTROUTING", "-o", routerOut, "-j", "MASQUERADE"])
        try inOutside(["ip", "addr", "add", "\(outsideAddress)/24", "dev", outsideLink])
        for link in ["lo", outsideLink] { try inOutside(["ip", "link", "set", link, "up"]) }
    }

    /// Deletes the namespaces (and with them the veth pairs and the NAT rule).
    func remove() {
        for namespace in created.reversed() { try? Self.run(["netns", "del", namespace]) }
        created = []
        try? Self.run(["link", "del", rootLink])
    }

    /// `ip netns exec <outside> <command…>`: the arguments for a process in the outside namespace.
    func outsideCommand(_ command: [String]) -> [String] { ["netns", "exec", outside] + command }

    private func inRouter(_ command: [String]) throws { try Self.run(["netns", "exec", router] + command) }
    private func inOutside(_ command: [String]) throws { try Self.run(["netns", "exec", outside] + command) }

    /// Runs `ip` with these arguments and waits for it; throws with its output on failure.
    static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.ip)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw CommandFailed(description: "ip \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }
}
