import Foundation
import Testing
import WireKit

@testable import Signaling

/// 100,000 seeded inputs through the signaling decoders and a connected state machine: no
/// trap, no broken round trip, and a meaningful share accepted.
@Suite struct SignalingFuzzTests {
    static let seeds: [[UInt8]] = {
        let messages: [SignalingIncomingMessage] = [
            .offer(SignalingSessionDescription(kind: .offer, sdp: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n"), from: "viewer-1"),
            .answer(SignalingSessionDescription(kind: .answer, sdp: "v=0\r\n"), from: nil),
            .iceCandidate(
                SignalingIceCandidate(candidate: "candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host", sdpMid: "0", sdpMLineIndex: 0),
                from: "viewer-2"),
            .goAway, .reconnectICEServer,
            .statusResponse(SignalingStatusResponse(correlationId: "c1", errorType: "InvalidArgumentException", statusCode: "400", description: "bad")),
        ]
        var seeds = messages.map { Array($0.json.utf8) }
        seeds.append(Array("{\"action\":\"SDP_ANSWER\",\"recipientClientId\":\"v\",\"messagePayload\":\"eyJ0eXBlIjoiYW5zd2VyIiwic2RwIjoidj0wXHJcbiJ9\",\"correlationId\":\"1\"}".utf8))
        seeds.append(Array("{\"IceServerList\":[{\"Uris\":[\"turn:a:443\"],\"Username\":\"1:u\",\"Password\":\"pw\",\"Ttl\":300}]}".utf8))
        // A payload whose JSON has a string index and extra members.
        let odd = Data("{\"candidate\":\"\",\"sdpMid\":7,\"sdpMLineIndex\":\"3\",\"x\":[1,{}]}".utf8).base64EncodedString()
        seeds.append(Array("{\"messageType\":\"ICE_CANDIDATE\",\"messagePayload\":\"\(odd)\"}".utf8))
        return seeds
    }()

    static let tokens: [[UInt8]] = [
        "\"messageType\"", "\"SDP_OFFER\"", "\"ICE_CANDIDATE\"", "\"GO_AWAY\"", "\"STATUS_RESPONSE\"", "null", "true",
        "{}", "[]", ",", ":", "\"", "\\u0000", "\\ud800", "0", "-1", "1e999", "\"senderClientId\"", "\"statusResponse\"",
        "\"messagePayload\"", "=", "\n", " ",
    ].map { Array($0.utf8) }

    static func mutate(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<(random.next() % 2 == 0 ? 1 : 1 + Int(random.next() % 3)) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            switch random.next() % 6 {
            case 0 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: random.next())
            case 1 where !bytes.isEmpty: bytes.remove(at: position)
            case 2: bytes.insert(UInt8(truncatingIfNeeded: random.next() % 128), at: position)
            case 3: bytes.insert(contentsOf: tokens[Int(random.next() % UInt64(tokens.count))], at: position)
            case 4 where bytes.count > 2:
                let end = min(bytes.count, position + 1 + Int(random.next() % 16))
                bytes.removeSubrange(position..<end)
            default:
                // Whitespace between tokens keeps the JSON valid and moves everything around.
                bytes.insert(UInt8(ascii: " "), at: position)
            }
        }
        return bytes
    }

    @Test func hundredThousandInputsNeverBreakTheDecoders() throws {
        var random = SplitMix64(seed: 0x5167_4E41)
        var accepted = 0
        var violations: [String] = []
        var machine = SignalingStateMachine(configuration: SignalingConfiguration(channelName: "cam"), seed: 3)
        var socket = SignalingSocketID(0)
        var now = Instant.zero
        for index in 0..<100_000 {
            let input: [UInt8]
            if index % 5 == 0 {
                input = random.bytes(Int(random.next() % 200))
            } else {
                input = Self.mutate(Self.seeds[Int(random.next() % UInt64(Self.seeds.count))], &random)
            }
            switch SignalingFuzzCheck.run(input) {
            case .accepted: accepted += 1
            case .rejected: break
            case .invariantViolated(let reason): violations.append(reason)
            }
            // Every hundredth input also goes through a live state machine.
            if index % 100 == 0 {
                if case .connected(let live, _) = machine.state {
                    socket = live
                } else {
                    machine = SignalingStateMachine(configuration: SignalingConfiguration(channelName: "cam"), seed: 3)
                    socket = Self.connect(&machine, now: now)
                }
                now += .milliseconds(10)
                machine.handle(.webSocketMessage(socket, input), now: now)
                _ = machine.drainOutputs()
            }
        }
        #expect(violations.isEmpty, "\(violations.prefix(5))")
        #expect(accepted > 5_000, "accepted \(accepted)")
    }

    static func connect(_ machine: inout SignalingStateMachine, now: Instant) -> SignalingSocketID {
        machine.start(now: now)
        for _ in 0..<8 {
            switch machine.state {
            case .calling(let step, let id, _):
                let response: KVSResponse
                switch step {
                case .credentials: response = .credentials(expiresAt: nil)
                case .describe: response = .channelDescribed(SignalingHarness.activeChannel)
                case .create: response = .channelCreated(channelARN: SignalingHarness.arn)
                case .endpoint: response = .endpoints(SignalingHarness.endpoints)
                case .iceConfig, .connect: response = .iceServerConfig(SignalingHarness.iceConfig())
                }
                machine.handle(.callSucceeded(id, response), now: now)
            case .opening(let socket, _):
                machine.handle(.webSocketOpened(socket), now: now)
                _ = machine.drainOutputs()
                return socket
            default:
                break
            }
        }
        return SignalingSocketID(0)
    }
}
