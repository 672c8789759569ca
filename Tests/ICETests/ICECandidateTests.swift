import ICE
import SDP
import Testing
import WireKit

@Suite struct ICECandidateTests {
    @Test func priorityFollowsRFC8445Formula() {
        #expect(ICECandidate.priority(kind: .host, localPreference: 65535) == 2_130_706_431)
        #expect(ICECandidate.priority(kind: .peerReflexive, localPreference: 65535) == 1_862_270_975)
        #expect(ICECandidate.priority(kind: .serverReflexive, localPreference: 65535) == 1_694_498_815)
        #expect(ICECandidate.priority(kind: .relayed, localPreference: 65535) == 16_777_215)
        #expect(ICECandidate.priority(kind: .host, localPreference: 0x1234, componentID: 2) == 0x7E12_34FE)
    }

    @Test func localPreferencesInterleaveAddressFamilies() throws {
        let v4a = try #require(IPAddress("192.168.1.10"))
        let v4b = try #require(IPAddress("10.1.1.1"))
        let v6a = try #require(IPAddress("2001:db8::1"))
        let v6b = try #require(IPAddress("2001:db8::2"))
        let prefs = ICECandidate.localPreferences(for: [v4a, v4b, v6a, v6b])
        #expect(prefs == [v6a: 65535, v4a: 65407, v6b: 65279, v4b: 65151])
        #expect(ICECandidate.localPreferences(for: [v4a]) == [v4a: 65535])
    }

    @Test func foundationsAreEqualExactlyWhenRFC8445SaysSo() throws {
        let ip = try #require(IPAddress("192.168.1.10"))
        let other = try #require(IPAddress("192.168.1.11"))
        let server = try #require(IPAddress("192.0.2.1"))
        let host = ICECandidate.foundation(kind: .host, baseIP: ip)
        #expect(host == ICECandidate.foundation(kind: .host, baseIP: ip))
        #expect(host != ICECandidate.foundation(kind: .host, baseIP: other))
        #expect(host != ICECandidate.foundation(kind: .serverReflexive, baseIP: ip, serverIP: server))
        #expect(host != ICECandidate.foundation(kind: .host, baseIP: ip, transport: .tcp))
        #expect(ICECandidate.foundation(kind: .serverReflexive, baseIP: ip, serverIP: server)
            != ICECandidate.foundation(kind: .serverReflexive, baseIP: ip, serverIP: other))
        #expect(host.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        #expect((1...32).contains(host.count))
    }

    @Test func pairPriorityFollowsRFC8445Formula() {
        let g: UInt32 = 2_130_706_431
        let d: UInt32 = 1_694_498_815
        #expect(CandidatePair.priority(controlling: g, controlled: d) == UInt64(d) << 32 + UInt64(g) * 2 + 1)
        #expect(CandidatePair.priority(controlling: d, controlled: g) == UInt64(d) << 32 + UInt64(g) * 2)
        #expect(CandidatePair.priority(controlling: g, controlled: g) == UInt64(g) << 32 + UInt64(g) * 2)
        // The controlling agent's higher candidate wins the tie of MIN and MAX.
        #expect(CandidatePair.priority(controlling: g, controlled: d) > CandidatePair.priority(controlling: d, controlled: g))
    }

    @Test func serverReflexiveCandidateToSDPAndBack() throws {
        let candidate = ICECandidate(
            kind: .serverReflexive, address: .v4("203.0.113.5:40000"), base: .v4("10.0.0.2:5000"),
            relatedAddress: .v4("10.0.0.2:5000"), priority: 1_694_498_815, foundation: "12345")
        let attribute = candidate.sdpAttribute()
        #expect(attribute.description
            == "candidate:12345 1 udp 1694498815 203.0.113.5 40000 typ srflx raddr 10.0.0.2 rport 5000")
        let parsed = try ICECandidate(remote: try CandidateAttribute(parsing: attribute.description))
        #expect(parsed.kind == .serverReflexive)
        #expect(parsed.address == candidate.address)
        #expect(parsed.base == candidate.address)  // a remote candidate's base is itself
        #expect(parsed.relatedAddress == candidate.relatedAddress)
        #expect(parsed.priority == candidate.priority)
        #expect(parsed.foundation == "12345")
    }

    @Test func hostAndRelayCandidatesToSDP() {
        let host = ICECandidate(kind: .host, address: .v4("192.168.1.10:4000"), priority: 2_130_706_431, foundation: "1")
        #expect(host.sdpAttribute().attributeValue == "1 1 udp 2130706431 192.168.1.10 4000 typ host")
        let v6 = ICECandidate(kind: .host, address: SocketAddress("[2001:db8::1]:4000")!, priority: 5, foundation: "2")
        #expect(v6.sdpAttribute().attributeValue == "2 1 udp 5 2001:db8::1 4000 typ host")
        let relay = ICECandidate(
            kind: .relayed, address: .v4("192.0.2.100:49152"), relatedAddress: .v4("203.0.113.5:40000"),
            priority: 16_777_215, foundation: "3", relay: RelayID(1))
        #expect(relay.sdpAttribute().attributeValue
            == "3 1 udp 16777215 192.0.2.100 49152 typ relay raddr 203.0.113.5 rport 40000")
    }

    @Test func unusableRemoteCandidatesAreRejectedWithAReason() throws {
        func reject(_ text: String) throws -> ICECandidateRejection? {
            let attribute = try CandidateAttribute(parsing: text)
            do throws(ICECandidateRejection) {
                _ = try ICECandidate(remote: attribute)
                return nil
            } catch { return error }
        }
        #expect(try reject("candidate:1 1 udp 2122260223 1f4712db-ea17-4bcf-a596-105139dfd8bf.local 54400 typ host")
            == .mDNSName("1f4712db-ea17-4bcf-a596-105139dfd8bf.local"))
        #expect(try reject("candidate:1 1 tcp 1518280447 192.168.1.10 9 typ host tcptype active")
            == .unsupportedTransport("tcp"))
        #expect(try reject("candidate:1 2 udp 2122260222 192.168.1.10 4001 typ host") == .unsupportedComponent(2))
        #expect(try reject("candidate:1 1 udp 1 192.168.1.10 4001 typ weird") == .unknownType("weird"))
        #expect(try reject("candidate:1 1 udp 1 example.com 4001 typ host") == .unresolvedName("example.com"))
        #expect(try reject("candidate:1 1 udp 1 0.0.0.0 4001 typ host") == .unusableAddress("0.0.0.0"))
        #expect(try reject("candidate:1 1 UDP 1 192.168.1.10 4001 typ host") == nil)
    }

    @Test func credentialsNeverPrintThePassword() {
        var rng = SplitMix64(seed: 9)
        let credentials = ICECredentials.random(using: &rng)
        #expect(credentials.ufrag.count == 8)
        #expect(credentials.pwd.count == 24)
        #expect(credentials.description == "ICECredentials(ufrag: \(credentials.ufrag))")
        #expect(!"\(ICEEvent.localCredentialsChanged(credentials))".contains(credentials.pwd))
        #expect(!String(reflecting: ICEEvent.localCredentialsChanged(credentials)).contains(credentials.pwd))
        let agent = ICEAgent(role: .controlled, credentials: credentials, rng: SplitMix64(seed: 1))
        #expect(!"\(agent)".contains(credentials.pwd))
        #expect(!String(reflecting: agent).contains(credentials.pwd))
        #expect("\(agent)" == "ICEAgent(controlled, new, local ufrag \(credentials.ufrag), 0 local / 0 remote candidates, "
            + "0 pairs, selected: none)")
    }

    @Test func retransmissionSchedules() {
        let rfc = STUNRetransmission.rfc8489
        let intervals = (0..<7).map { rfc.interval(after: $0).nanoseconds / 1_000_000 }
        #expect(intervals == [500, 1000, 2000, 4000, 8000, 16000, 8000])
        let checks = STUNRetransmission.connectivityCheck
        #expect((0..<7).map { checks.interval(after: $0).nanoseconds / 1_000_000 } == [500, 1000, 1600, 1600, 1600, 1600, 1500])
    }
}
