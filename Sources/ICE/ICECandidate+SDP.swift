import SDP
import WireKit

/// Why a remote candidate was not used (RFC 8445 §5.1, RFC 8839 §5.1). The agent reports it in
/// an event instead of failing: one odd candidate must not spoil the others.
public enum ICECandidateRejection: Error, Hashable, Sendable {
    /// An mDNS `….local` name (draft-ietf-mmusic-mdns-ice-candidates). The I/O layer may resolve
    /// the name and add the candidate again with its address.
    case mDNSName(String)
    /// Any other host name: RFC 8839 leaves FQDN resolution to the application.
    case unresolvedName(String)
    /// TCP candidates (RFC 6544) are not gathered or checked yet.
    case unsupportedTransport(String)
    /// A `typ` value outside host/srflx/prflx/relay.
    case unknownType(String)
    /// Component 2 (RTCP) is never used under rtcp-mux with BUNDLE.
    case unsupportedComponent(UInt16)
    /// Port 0 or an unspecified address cannot be checked.
    case unusableAddress(String)
    /// The `ufrag` extension names other credentials than the current remote ones (an older
    /// ICE generation, RFC 8838 §5).
    case staleGeneration(String)
    /// The agent's policy skips this candidate (an address family it does not pair).
    case noMatchingLocalCandidate
}

extension ICECandidate {
    /// The SDP form (RFC 8839 §5.1) of a local candidate, `raddr`/`rport` included for
    /// reflexive and relayed candidates.
    public func sdpAttribute(extensions: [CandidateAttribute.Extension] = []) -> CandidateAttribute {
        let type: CandidateType =
            switch kind {
            case .host: .host
            case .serverReflexive: .serverReflexive
            case .peerReflexive: .peerReflexive
            case .relayed: .relayed
            }
        return CandidateAttribute(
            foundation: foundation, componentID: componentID,
            transport: transport == .udp ? .udp : .tcp, priority: priority,
            connectionAddress: address.ip.description, port: address.port, type: type,
            relatedAddress: relatedAddress.map { $0.ip.description }, relatedPort: relatedAddress?.port,
            extensions: extensions)
    }

    /// A remote candidate from its SDP form, or why it cannot be used.
    public init(remote attribute: CandidateAttribute) throws(ICECandidateRejection) {
        guard attribute.transport.isUDP else { throw .unsupportedTransport(attribute.transport.text) }
        guard attribute.componentID == 1 else { throw .unsupportedComponent(attribute.componentID) }
        let kind: ICECandidateKind
        switch attribute.type {
        case .host: kind = .host
        case .serverReflexive: kind = .serverReflexive
        case .peerReflexive: kind = .peerReflexive
        case .relayed: kind = .relayed
        case .other(let text): throw .unknownType(text)
        }
        guard let address = attribute.socketAddress else {
            if attribute.isMDNSName { throw .mDNSName(attribute.connectionAddress) }
            throw .unresolvedName(attribute.connectionAddress)
        }
        guard address.port != 0, !address.ip.isUnspecified else { throw .unusableAddress(attribute.connectionAddress) }
        var related: SocketAddress?
        if let raddr = attribute.relatedAddress.flatMap({ IPAddress($0) }) {
            related = SocketAddress(ip: raddr, port: attribute.relatedPort ?? 0)
        }
        self.init(
            kind: kind, transport: .udp, address: address, relatedAddress: related, priority: attribute.priority,
            foundation: attribute.foundation, componentID: 1)
    }
}
