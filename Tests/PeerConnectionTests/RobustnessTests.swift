import DataChannel
import EventLoop
import PeerConnection
import Testing
import WireKit

extension PeerConnectionSuites {
    @Suite struct RobustnessTests {
        /// Junk on the selected pair in every RFC 7983 range is dropped and counted; the connection
        /// stays up and keeps carrying data.
        @Test func garbageOnThePairIsCountedAndHarmless() async throws {
            try await withRig { rig in
                let (pair, channel) = try await MeasurementTests.connectedPair(rig: rig)
                let (a, b) = (pair.offerer, pair.answerer)
                let junk: [[UInt8]] = [
                    [22, 0xFE, 0xFD],  // truncated DTLS record header
                    [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 40] + [UInt8](repeating: 0xAB, count: 40),  // application data, bad MAC
                    [21, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 10, 0, 2, 2, 40],  // a forged fatal alert in epoch 1
                    [0x80, 96, 0, 1],  // RTP shorter than its header
                    [0x80, 200, 0, 1, 0, 0, 0, 1],  // RTCP without an auth tag
                    [0x80, 96] + [UInt8](repeating: 7, count: 100),  // RTP that fails authentication
                    [200, 1, 2, 3],  // outside every range
                    [70, 0, 0, 4, 1, 2, 3, 4],  // TURN ChannelData range on a direct pair
                ]
                for datagram in junk { try await rig.sendRaw(a, datagram) }
                try await rig.send(a, Array("after".utf8), on: channel, isBinary: false)
                #expect(await rig.wait(b, timeout: .seconds(5)) { $0.messages(on: channel).count == 2 })
                #expect(await rig.log(b).messages(on: channel).last?.data == Array("after".utf8))
                let stats = try #require(await rig.statistics(b))
                #expect(stats.state == .connected)
                #expect(stats.transport.dtlsState == "connected")
                #expect(stats.transport.packetsFailedDecryption == 3)
                #expect(stats.transport.unexpectedDatagrams == 2)
                #expect(await rig.failure(b) == nil)
                await rig.closeAll()
            }
        }

        /// Closing releases every socket and timer of the loop.
        @Test func closeReleasesLoopResources() async throws {
            try await withRig { rig in
                let before = await rig.loopResources()
                let (pair, _) = try await MeasurementTests.connectedPair(rig: rig)
                #expect(await rig.loopResources()[0] > before[0])
                await rig.close(pair.offerer)
                #expect(await rig.wait(pair.answerer, timeout: .seconds(5)) { $0.states.last == .closed })
                #expect(await rig.state(pair.offerer) == .closed)
                #expect(await rig.statistics(pair.answerer)?.dataChannels.allSatisfy { $0.state == "closed" } == true)
                await rig.closeAll()
                #expect(await rig.loopResources() == before)
            }
        }

        /// An offer without fingerprints or ICE credentials is refused at once, with a typed error.
        @Test func unusableOffersAreRefused() async throws {
            try await withRig { rig in
                let offerer = await rig.makeOfferer(try loopbackConfiguration(certificate: try DTLSCertificateCache.shared()))
                try await rig.start(offerer)
                let offer = try #require(await rig.localDescription(offerer))
                var noFingerprint = offer
                for index in noFingerprint.media.indices { noFingerprint.media[index].fingerprints = [] }
                var noCredentials = offer
                for index in noCredentials.media.indices { noCredentials.media[index].iceUfrag = nil }
                var holdConnection = offer
                for index in holdConnection.media.indices { holdConnection.media[index].setup = .holdconn }
                let configuration = try loopbackConfiguration(certificate: try DTLSCertificateCache.shared())
                await #expect(throws: PeerConnectionError.noUsableFingerprint) {
                    _ = try await rig.makeAnswerer(offer: noFingerprint, configuration)
                }
                await #expect(throws: PeerConnectionError.missingICECredentials) {
                    _ = try await rig.makeAnswerer(offer: noCredentials, configuration)
                }
                await #expect(throws: PeerConnectionError.unusableSetup("holdconn")) {
                    _ = try await rig.makeAnswerer(offer: holdConnection, configuration)
                }
                await rig.closeAll()
            }
        }
    }
}
