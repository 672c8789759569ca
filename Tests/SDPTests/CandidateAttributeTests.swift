import SDP
import Testing
import WireKit

@Suite struct CandidateAttributeTests {
    @Test func host() throws {
        let text = "candidate:842163049 1 udp 1677729535 192.168.1.10 54400 typ host generation 0 ufrag EsAw network-cost 999"
        let c = try CandidateAttribute(parsing: text)
        #expect(c.foundation == "842163049")
        #expect(c.componentID == 1)
        #expect(c.transport == .udp)
        #expect(c.priority == 1677729535)
        #expect(c.connectionAddress == "192.168.1.10")
        #expect(c.ipAddress == IPAddress("192.168.1.10"))
        #expect(c.port == 54400)
        #expect(c.type == .host)
        #expect(c.relatedAddress == nil)
        #expect(c.tcpType == nil)
        #expect(c.ufrag == "EsAw")
        #expect(c.networkCost == 999)
        #expect(c.extensions.map(\.name) == ["generation", "ufrag", "network-cost"])
        #expect(c.description == text)
        #expect(try CandidateAttribute(parsing: "a=" + text) == c)
        #expect(try CandidateAttribute(parsing: String(text.dropFirst("candidate:".count))) == c)
    }

    @Test func serverReflexive() throws {
        let text = "1467250027 1 udp 1694498815 203.0.113.7 41000 typ srflx raddr 192.168.1.10 rport 54400 generation 0"
        let c = try CandidateAttribute(attributeValue: text[...])
        #expect(c.type == .serverReflexive)
        #expect(c.relatedAddress == "192.168.1.10")
        #expect(c.relatedPort == 54400)
        #expect(c.socketAddress == SocketAddress(ip: .v4(IPv4Address(203, 0, 113, 7)), port: 41000))
        #expect(c.attributeValue == text)
    }

    @Test func relayAndPeerReflexive() throws {
        let relay = try CandidateAttribute(parsing: "candidate:3 1 UDP 8265727 198.51.100.2 3478 typ relay raddr 203.0.113.7 rport 41000")
        #expect(relay.type == .relayed)
        #expect(relay.transport == .udp)
        #expect(relay.transport.isUDP)
        #expect(relay.transport.text == "UDP")
        #expect(relay.attributeValue == "3 1 UDP 8265727 198.51.100.2 3478 typ relay raddr 203.0.113.7 rport 41000")
        let prflx = try CandidateAttribute(parsing: "candidate:4 2 udp 1845501695 10.0.0.9 5000 typ prflx")
        #expect(prflx.type == .peerReflexive)
        #expect(prflx.componentID == 2)
    }

    @Test func tcpCandidates() throws {
        for (role, expected) in [("active", TCPType.active), ("passive", .passive), ("so", .so)] {
            let text = "candidate:5 1 tcp 1518280447 10.0.0.1 9 typ host tcptype \(role) generation 0"
            let c = try CandidateAttribute(parsing: text)
            #expect(c.transport == .tcp)
            #expect(c.tcpType == expected)
            #expect(c.extensions == [.init(name: "generation", value: "0")])
            #expect(c.description == text)
        }
        #expect(throws: SDPError(line: nil, kind: .invalidAttribute(name: "candidate", field: "tcptype", problem: .invalid))) {
            try CandidateAttribute(parsing: "candidate:5 1 tcp 1 10.0.0.1 9 typ host tcptype sideways")
        }
    }

    @Test func mdnsHostname() throws {
        let text = "candidate:1 1 udp 2113937151 3f0cbd07-6a9c-44b1-a7c4-3f29b1e6f3a1.local 52364 typ host generation 0 network-cost 999"
        let c = try CandidateAttribute(parsing: text)
        #expect(c.connectionAddress == "3f0cbd07-6a9c-44b1-a7c4-3f29b1e6f3a1.local")
        #expect(c.ipAddress == nil)
        #expect(c.isMDNSName)
        #expect(c.socketAddress == nil)
        #expect(c.description == text)
    }

    @Test func ipv6() throws {
        let text = "candidate:2 1 udp 2122262783 2001:db8::1 50000 typ host generation 0 network-id 2"
        let c = try CandidateAttribute(parsing: text)
        #expect(c.ipAddress == IPAddress("2001:db8::1"))
        #expect(c.ipAddress?.isIPv4 == false)
        #expect(c.socketAddress?.description == "[2001:db8::1]:50000")
        #expect(c.description == text)
    }

    @Test func builtCandidateSerializes() {
        let c = CandidateAttribute(
            foundation: "1", componentID: 1, transport: .udp, priority: 2130706431, connectionAddress: "10.0.0.1",
            port: 5000, type: .serverReflexive, relatedAddress: "192.168.0.2", relatedPort: 6000,
            extensions: [.init(name: "generation", value: "0")])
        #expect(Attribute(c).description
            == "a=candidate:1 1 udp 2130706431 10.0.0.1 5000 typ srflx raddr 192.168.0.2 rport 6000 generation 0")
    }

    @Test func malformed() {
        func problem(_ text: String) -> SDPError.Kind? {
            do {
                _ = try CandidateAttribute(parsing: text)
                return nil
            } catch {
                #expect(error.line == nil)
                return error.kind
            }
        }
        func kind(_ field: String, _ p: SDPError.Problem) -> SDPError.Kind {
            .invalidAttribute(name: "candidate", field: field, problem: p)
        }
        #expect(problem("candidate:1 1 udp") == kind("fields", .tooFewFields(expected: 8, found: 3)))
        #expect(problem("") == kind("fields", .tooFewFields(expected: 8, found: 0)))
        #expect(problem("candidate:1 0 udp 1 10.0.0.1 9 typ host") == kind("component-id", .outOfRange))
        #expect(problem("candidate:1 1 udp -1 10.0.0.1 9 typ host") == kind("priority", .notANumber))
        #expect(problem("candidate:1 1 udp 1 10.0.0.1 65536 typ host") == kind("port", .outOfRange))
        #expect(problem("candidate:1 1 udp 1 10.0.0.1 9 type host") == kind("typ", .missing))
        #expect(problem("candidate:f*o 1 udp 1 10.0.0.1 9 typ host") == kind("foundation", .invalid))
        #expect(problem("candidate:1 1 udp 1 10.0.0.1 9 typ srflx raddr") == kind("raddr", .missing))
        #expect(problem("candidate:1 1 udp 1 10.0.0.1 9 typ srflx raddr 1.1.1.1 rport x") == kind("rport", .notANumber))
        #expect(problem("candidate:1 1 udp 1 10.0.0.1 9 typ host generation") == kind("extension value", .missing))
    }
}
