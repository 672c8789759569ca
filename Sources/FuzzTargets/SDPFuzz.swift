import SDP

/// Fuzz entry point for the SDP parser (RFC 8866): parse; when the text parses, serialize it,
/// parse that again and require an equal model and a stable text, then walk every typed view
/// so a trap anywhere in them surfaces.
public enum SDPFuzz {
    public static func run(_ data: [UInt8]) -> FuzzOutcome {
        let sdp: SessionDescription
        do {
            sdp = try SessionDescription(parsing: data)
        } catch {
            return .rejected
        }
        let text = sdp.serialized()
        let again: SessionDescription
        do {
            again = try SessionDescription(parsing: text)
        } catch {
            return .invariantViolated("serialized description does not parse: \(error)")
        }
        guard again == sdp else { return .invariantViolated("model changed after serialize and parse") }
        guard again.serialized() == text else { return .invariantViolated("serialization is not stable") }
        return checkTypedViews(sdp)
    }

    private static func checkTypedViews(_ sdp: SessionDescription) -> FuzzOutcome {
        _ = (sdp.bundleGroups, sdp.msidSemantic, sdp.iceOptions, sdp.setup, sdp.direction)
        for media in sdp.media {
            _ = (sdp.iceCredentials(for: media), sdp.setup(for: media), media.mid, media.rtcpFeedback)
            _ = (media.ssrcAttributes, media.ssrcGroups, media.msids, media.extensionMaps, media.rtcp)
            _ = (media.sctpPort, media.maxMessageSize, media.payloadTypes)
            for fmtp in media.formatParameters {
                _ = try? H264Parameters(fmtp)
                _ = try? H265Parameters(fmtp)
                _ = try? OpusParameters(fmtp)
                _ = try? RTXParameters(fmtp)
                guard (try? FormatParameters(attributeValue: fmtp.attributeValue[...])) == fmtp else {
                    return .invariantViolated("fmtp value does not round-trip")
                }
            }
            for candidate in media.candidates {
                guard (try? CandidateAttribute(parsing: candidate.description)) == candidate else {
                    return .invariantViolated("candidate does not round-trip")
                }
            }
            for map in media.rtpMaps where (try? RTPMap(attributeValue: map.attributeValue[...])) != map {
                return .invariantViolated("rtpmap does not round-trip")
            }
            for fingerprint in sdp.fingerprints(for: media)
            where (try? Fingerprint(attributeValue: fingerprint.attributeValue[...])) != fingerprint {
                return .invariantViolated("fingerprint does not round-trip")
            }
        }
        return .accepted
    }
}
