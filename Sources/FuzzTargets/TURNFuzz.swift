import STUN
import TURN
import WireKit

/// TURN over a byte stream and over UDP. The stream framer must split the same bytes into the
/// same messages however they are chunked (RFC 8656 §12.5 framing); a client that is waiting
/// for its Allocate answer must survive any datagram.
public enum TURNFuzz {
    static let server = SocketAddress(ip: .v4(IPv4Address(192, 0, 2, 10)), port: 3478)
    static let local = SocketAddress(ip: .v4(IPv4Address(192, 0, 2, 1)), port: 40000)

    public static func run(_ data: [UInt8]) -> FuzzOutcome {
        let whole = frames(of: [data[...]])
        let cut = data.isEmpty ? 0 : Int(data[0]) % (data.count + 1)
        let split = frames(of: [data[..<cut], data[cut...]])
        guard whole == split else { return .invariantViolated("framing depends on chunk boundaries (cut at \(cut))") }

        var client = TURNClient(
            configuration: TURNClientConfiguration(
                server: server, transport: .udp, localAddress: local,
                credentials: TURNCredentials(username: "user", password: "pass")),
            random: SplitMix64(seed: 7))
        let now = Instant(nanoseconds: 1_000_000_000)
        client.start(now: now)
        while client.pollTransmit() != nil {}
        client.handleReceived(data, now: now)
        while client.pollEvent() != nil {}
        while client.pollTransmit() != nil {}
        return whole.messages.isEmpty ? .rejected : .accepted
    }

    struct Frames: Equatable {
        var messages: [[UInt8]] = []
        var failed = false
    }

    static func frames(of chunks: [ArraySlice<UInt8>]) -> Frames {
        var framer = TURNStreamFramer()
        var result = Frames()
        for chunk in chunks {
            framer.append(chunk)
            while true {
                do {
                    guard let message = try framer.nextMessage() else { break }
                    result.messages.append(message)
                } catch {
                    result.failed = true
                    return result
                }
            }
        }
        return result
    }

    static var seeds: [[UInt8]] {
        let id = TransactionID(high: 1, low: 2)
        let peer = SocketAddress(ip: .v4(IPv4Address(192, 0, 2, 20)), port: 5000)
        let data = (try? TURNDataIndication(peer: peer, data: [1, 2, 3]).message(transactionID: id).encode()) ?? []
        let channel = (try? ChannelData(channelNumber: 0x4001, data: [9, 9, 9, 9, 9]).encode(padded: true)) ?? []
        let challenge = (try? STUNMessage.allocateRequest(transactionID: id).errorResponse(
            .unauthenticated, attributes: [.realm("kvsmaster.test"), .nonce("abcdef")]).encode()) ?? []
        return [data, channel, challenge, data + channel].filter { !$0.isEmpty }
    }
}
