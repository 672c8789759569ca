import Media
import RTP
import WireKit

/// The viewer's RTCP (RFC 3550 §6.4, RFC 4585 §6, RFC 5104 §4.3.1, REMB) and RTP (its audio).
extension MediaFanout {
    /// A compound RTCP packet from a viewer (already unprotected). Packets before a malformed
    /// one are still used; the datagram is counted as malformed.
    public mutating func handleRTCP(_ id: ViewerID, _ compound: [UInt8], now: Instant) {
        guard let i = viewerIndex[id] else {
            unknownViewerInputs += 1
            return
        }
        let parsed = RTCPCompound.parseLeniently(compound)
        if parsed.error != nil { viewers[i].stats.malformedRTCP += 1 }
        for packet in parsed.packets {
            switch packet {
            case .senderReport(let report):
                if viewers[i].reception?.ssrc == report.ssrc {
                    viewers[i].reception?.recordSenderReport(report.ntpTimestamp, now: now)
                }
                handleReportBlocks(report.reportBlocks, viewer: i, now: now)
            case .receiverReport(let report):
                handleReportBlocks(report.reportBlocks, viewer: i, now: now)
            case .nack(let nack):
                handleNACK(nack, viewer: i, now: now)
            case .pli(let pli):
                guard pli.mediaSSRC == configuration.videoSSRC, viewers[i].video != nil else { continue }
                viewers[i].stats.video?.pliCount += 1
                requestKeyframe(now: now)
            case .fir(let fir):
                handleFIR(fir, viewer: i, now: now)
            case .remb(let remb):
                guard viewers[i].video != nil, remb.ssrcs.isEmpty || remb.ssrcs.contains(configuration.videoSSRC)
                else { continue }
                viewers[i].estimate.onREMB(remb.bitrate, bounds: configuration.bitrate)
                updateBitrate()
            default:
                break
            }
        }
    }

    private mutating func handleReportBlocks(_ blocks: [RTCPReportBlock], viewer i: Int, now: Instant) {
        for block in blocks {
            let isVideo = block.ssrc == configuration.videoSSRC && viewers[i].video != nil
            let isAudio = block.ssrc == configuration.audioSSRC && viewers[i].audio != nil
            guard isVideo || isAudio else { continue }
            let clockRate = (isVideo ? video?.codec : audio?.codec)?.clockRate ?? 90_000
            let previous = isVideo ? viewers[i].stats.video?.remote : viewers[i].stats.audio?.remote
            let remote = RemoteInboundRTPStats(
                fractionLost: Double(block.fractionLost) / 256, packetsLost: Int64(block.cumulativeLost),
                jitter: Double(block.jitter) / Double(clockRate),
                roundTripTime: block.roundTripDuration(arrival: ntpTime(at: now)) ?? previous?.roundTripTime,
                reportsReceived: (previous?.reportsReceived ?? 0) + 1)
            if isVideo {
                viewers[i].stats.video?.remote = remote
                viewers[i].estimate.onLoss(fractionLost: block.fractionLost, bounds: configuration.bitrate)
                updateBitrate()
            } else {
                viewers[i].stats.audio?.remote = remote
            }
        }
    }

    private mutating func handleFIR(_ fir: RTCPFullIntraRequest, viewer i: Int, now: Instant) {
        guard viewers[i].video != nil else { return }
        for entry in fir.entries where entry.ssrc == configuration.videoSSRC {
            viewers[i].stats.video?.firCount += 1
            // RFC 5104 §4.3.1.2: a repeated sequence number is the same request again.
            guard viewers[i].lastFIRSequence != entry.sequenceNumber else { continue }
            viewers[i].lastFIRSequence = entry.sequenceNumber
            requestKeyframe(now: now)
        }
    }

    /// Answers a generic NACK from the shared cache: as RTX (RFC 4588 §4) when negotiated for
    /// the stream, else the original packet again.
    private mutating func handleNACK(_ nack: RTCPGenericNACK, viewer i: Int, now: Instant) {
        let isVideo = nack.mediaSSRC == configuration.videoSSRC
        guard let section = isVideo ? viewers[i].video : (nack.mediaSSRC == configuration.audioSSRC ? viewers[i].audio : nil),
            viewers[i].phase != .awaitingTransport
        else { return }
        if isVideo { viewers[i].stats.video?.nackCount += 1 } else { viewers[i].stats.audio?.nackCount += 1 }
        for entry in nack.entries {
            retransmit(entry.packetID, section: section, isVideo: isVideo, viewer: i, now: now)
            for bit in 0..<16 where entry.lostBitmask & (1 << bit) != 0 {
                retransmit(entry.packetID &+ UInt16(bit + 1), section: section, isVideo: isVideo, viewer: i, now: now)
            }
        }
    }

    private mutating func retransmit(
        _ sequenceNumber: UInt16, section: NegotiatedMedia.Section, isVideo: Bool, viewer i: Int, now: Instant
    ) {
        guard let original = (isVideo ? video : audio)?.cache.packet(sequenceNumber: sequenceNumber, now: now)
        else { return }
        let packet: [UInt8]
        if let rtxPT = section.rtxPayloadType, isVideo {
            guard
                let rtx = Self.rtxPacket(
                    original: original, payloadType: rtxPT, sequenceNumber: viewers[i].rtxSequenceNumber,
                    ssrc: configuration.videoRTXSSRC)
            else { return }
            viewers[i].rtxSequenceNumber &+= 1
            packet = rtx
        } else {
            packet = Self.copy(original, payloadType: section.payloadType)
        }
        outputs.append(.rtp(viewers[i].id, packet))
        let bytes = UInt64(max(0, original.count - RTPHeader.fixedLength))
        if isVideo {
            viewers[i].stats.video?.retransmittedPacketsSent += 1
            viewers[i].stats.video?.retransmittedBytesSent += bytes
        } else {
            viewers[i].stats.audio?.retransmittedPacketsSent += 1
            viewers[i].stats.audio?.retransmittedBytesSent += bytes
        }
    }

    /// The RTX packet for `original` (RFC 4588 §4): the original header with the RTX payload
    /// type, sequence number and SSRC, then the original sequence number (OSN) and payload.
    /// Padding is not carried over. Nil when `original` is not a well-formed RTP packet.
    public static func rtxPacket(original: [UInt8], payloadType: UInt8, sequenceNumber: UInt16, ssrc: UInt32)
        -> [UInt8]?
    {
        guard original.count >= RTPHeader.fixedLength, original[0] >> 6 == 2 else { return nil }
        var headerLength = RTPHeader.fixedLength + 4 * Int(original[0] & 0x0F)
        if original[0] & 0x10 != 0 {
            guard original.count >= headerLength + 4 else { return nil }
            headerLength += 4 + 4 * Int(original.readU16(at: headerLength + 2))
        }
        var payloadEnd = original.count
        if original[0] & 0x20 != 0, let padding = original.last {
            payloadEnd -= Int(padding)
        }
        guard headerLength <= payloadEnd else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(payloadEnd + 2 + RTPPacketWriter.trailerRoom)
        out.append(contentsOf: original[0..<headerLength])
        out[0] &= ~0x20
        out[1] = out[1] & 0x80 | payloadType & 0x7F
        out.writeU16(sequenceNumber, at: 2)
        out.writeU32(ssrc, at: 8)
        out.append(original[2])
        out.append(original[3])
        out.append(contentsOf: original[headerLength..<payloadEnd])
        return out
    }

    // MARK: Reports

    /// Queues the viewer's compound report: an SR per stream we have sent it (its own
    /// counts), with the report block for its audio in the first, else an RR; then SDES
    /// CNAME (RFC 3550 §6.1, §6.4).
    mutating func sendReport(to i: Int, now: Instant) {
        let ntp = ntpTime(at: now)
        var blocks: [RTCPReportBlock] = []
        if let block = viewers[i].reception?.reportBlock(now: now) { blocks.append(block) }
        var packets: [RTCPPacket] = []
        var chunks: [RTCPSourceDescription.Chunk] = []
        let cname = RTCPSDESItem(.cname, text: configuration.cname)
        for (stream, stats) in [(video, viewers[i].stats.video), (audio, viewers[i].stats.audio)] {
            guard let stream, let stats, stats.packetsSent > 0, let rtp = stream.rtpTimestamp(at: now) else { continue }
            packets.append(
                .senderReport(
                    RTCPSenderReport(
                        ssrc: stream.ssrc, ntpTimestamp: ntp, rtpTimestamp: rtp,
                        packetCount: UInt32(truncatingIfNeeded: stats.packetsSent),
                        octetCount: UInt32(truncatingIfNeeded: stats.bytesSent),
                        reportBlocks: packets.isEmpty ? blocks : [])))
            chunks.append(.init(source: stream.ssrc, items: [cname]))
        }
        if packets.isEmpty {
            let ssrc = viewers[i].audioIn != nil ? configuration.audioSSRC : configuration.videoSSRC
            packets.append(.receiverReport(RTCPReceiverReport(ssrc: ssrc, reportBlocks: blocks)))
            chunks.append(.init(source: ssrc, items: [cname]))
        }
        packets.append(.sourceDescription(RTCPSourceDescription(chunks: chunks)))
        guard let bytes = try? RTCPCompound.serialize(packets) else { return }
        viewers[i].stats.reportsSent += 1
        outputs.append(.rtcp(viewers[i].id, bytes))
    }

    // MARK: The viewer's audio

    /// An RTP packet from a viewer (already unprotected): its audio, counted and handed out
    /// as ``FanoutOutput/receivedAudio(_:_:_:)``.
    public mutating func handleRTP(_ id: ViewerID, _ datagram: [UInt8], now: Instant) {
        guard let i = viewerIndex[id] else {
            unknownViewerInputs += 1
            return
        }
        guard let section = viewers[i].audioIn, let packet = try? RTPPacket(parsing: datagram),
            packet.header.payloadType == section.payloadType
        else {
            viewers[i].stats.droppedRTP += 1
            return
        }
        viewers[i].reception?.record(packet.header, payloadBytes: packet.payload.count, now: now)
        if let reception = viewers[i].reception {
            viewers[i].stats.audioReceived?.ssrc = reception.ssrc
            viewers[i].stats.audioReceived?.packetsReceived = reception.packets
            viewers[i].stats.audioReceived?.bytesReceived = reception.bytes
            viewers[i].stats.audioReceived?.packetsLost = reception.cumulativeLost
            viewers[i].stats.audioReceived?.jitter = reception.jitter / Double(section.clockRate)
        }
        guard let frame = viewers[i].depacketizer.push(packet) else { return }
        viewers[i].stats.audioReceived?.framesDecoded += 1
        outputs.append(.receivedAudio(id, section.codec, frame.data))
    }
}
