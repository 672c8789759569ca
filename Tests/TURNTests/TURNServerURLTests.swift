import Testing
import TURN
import WireKit

@Suite struct TURNServerURLTests {
    static let valid: [(String, TURNServerURL.Scheme, String, UInt16, TransportProtocol)] = [
        ("turn:1.2.3.4:3478?transport=udp", .turn, "1.2.3.4", 3478, .udp),
        ("turn:1.2.3.4:3478?transport=tcp", .turn, "1.2.3.4", 3478, .tcp),
        ("turn:turn.example.com", .turn, "turn.example.com", 3478, .udp),
        ("turns:turn.example.com", .turns, "turn.example.com", 5349, .tls),
        ("turns:35-1-2-3.t-abc.kinesisvideo.us-west-2.amazonaws.com:443?transport=tcp", .turns,
         "35-1-2-3.t-abc.kinesisvideo.us-west-2.amazonaws.com", 443, .tls),
        ("TURN:host:1?TRANSPORT=TCP", .turn, "host", 1, .tcp),
        ("turn:[2001:db8::1]:3479?transport=udp", .turn, "2001:db8::1", 3479, .udp),
        ("turn:[::1]", .turn, "::1", 3478, .udp),
        ("turn:host?foo=bar", .turn, "host", 3478, .udp),
    ]

    @Test(arguments: valid)
    func parses(text: String, scheme: TURNServerURL.Scheme, host: String, port: UInt16, transport: TransportProtocol) throws {
        let url = try #require(TURNServerURL(text))
        #expect(url.scheme == scheme)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.transport == transport)
        #expect(TURNServerURL(url.description) == url)
    }

    @Test(arguments: [
        "", "stun:1.2.3.4", "turn:", "turn::3478", "turn:host:0", "turn:host:65536", "turn:host:x",
        "turns:host?transport=udp", "turn:host?transport=sctp", "turn:host?transport=tls", "turn:[::1",
        "turn:[1.2.3.4]:5", "turn:[::1]x", "turn:ho st", "turn:host:1:2", "turn:h/ost",
    ])
    func rejects(text: String) {
        #expect(TURNServerURL(text) == nil)
    }

    @Test func literalHostsGiveASocketAddress() throws {
        #expect(TURNServerURL("turn:10.0.0.1:3478")?.socketAddress == SocketAddress("10.0.0.1:3478"))
        #expect(TURNServerURL("turns:[::1]:5349")?.socketAddress == SocketAddress("[::1]:5349"))
        #expect(TURNServerURL("turn:example.com")?.socketAddress == nil)
        #expect(TURNServerURL("turn:10.0.0.1")?.description == "turn:10.0.0.1:3478?transport=udp")
        #expect(TURNServerURL("turns:[::1]")?.description == "turns:[::1]:5349?transport=tcp")
    }
}
