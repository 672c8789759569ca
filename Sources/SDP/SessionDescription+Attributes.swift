/// Session-level attributes (BUNDLE groups, RFC 9143 §7.1; `msid-semantic`) and the lookups that
/// resolve what applies to one media section when JSEP puts it at session level
/// (RFC 8829 §5.8: media-level values take precedence).
extension SessionDescription {
    /// `a=group` lines that parse, in order.
    public var groups: [GroupAttribute] {
        get { values(GroupAttribute.self) }
        set { replace(named: [GroupAttribute.attributeName], with: newValue.map(Attribute.init)) }
    }

    /// The `a=group:BUNDLE` groups.
    public var bundleGroups: [GroupAttribute] { groups.filter(\.isBundle) }

    /// The BUNDLE group that contains `mid`.
    public func bundleGroup(containing mid: String) -> GroupAttribute? {
        bundleGroups.first { $0.mids.contains(mid) }
    }

    /// `a=msid-semantic`.
    public var msidSemantic: MSIDSemantic? {
        get { attribute(named: MSIDSemantic.attributeName)?.typed(as: MSIDSemantic.self) }
        set { setSingle(MSIDSemantic.attributeName, newValue?.attributeValue) }
    }

    /// The media section with this `a=mid`.
    public func media(withMID mid: String) -> MediaDescription? {
        media.first { $0.mid == mid }
    }

    /// The index of the media section with this `a=mid`.
    public func mediaIndex(withMID mid: String) -> Int? {
        media.firstIndex { $0.mid == mid }
    }

    /// The ICE username fragment and password for `media`: each from the section, else from the
    /// session level; nil unless both are found.
    public func iceCredentials(for media: MediaDescription) -> ICECredentials? {
        guard let ufrag = media.iceUfrag ?? iceUfrag, let pwd = media.icePwd ?? icePwd else { return nil }
        return ICECredentials(ufrag: ufrag, pwd: pwd)
    }

    /// The fingerprints for `media`: the section's when it has any, else the session-level ones.
    public func fingerprints(for media: MediaDescription) -> [Fingerprint] {
        let own = media.fingerprints
        return own.isEmpty ? fingerprints : own
    }

    /// The DTLS role for `media`, falling back to the session level.
    public func setup(for media: MediaDescription) -> DTLSSetup? { media.setup ?? setup }

    /// The ICE options for `media`, falling back to the session level.
    public func iceOptions(for media: MediaDescription) -> [String] {
        let own = media.iceOptions
        return own.isEmpty ? iceOptions : own
    }

    /// The direction of `media`: its own, else the session-level one, else `sendrecv`.
    public func direction(for media: MediaDescription) -> MediaDirection {
        media.direction ?? direction ?? .sendrecv
    }

    /// The connection line for `media`, falling back to the session level.
    public func connection(for media: MediaDescription) -> Connection? { media.connection ?? connection }
}

/// The ICE credentials of one side (RFC 8839 §5.4): `a=ice-ufrag` and `a=ice-pwd`.
public struct ICECredentials: Hashable, Sendable, CustomStringConvertible {
    public var ufrag: String
    public var pwd: String

    public init(ufrag: String, pwd: String) {
        self.ufrag = ufrag
        self.pwd = pwd
    }

    /// Names the ufrag only: the password is a secret.
    public var description: String { "ICECredentials(ufrag: \(ufrag))" }
}
