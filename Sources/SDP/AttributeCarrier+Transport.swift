/// ICE (RFC 8839 §5) and DTLS (RFC 8842 §5) attributes, which JSEP allows at session level and in
/// media sections alike; `SessionDescription` resolves which apply to a section.
extension AttributeCarrier {
    /// `a=ice-ufrag`.
    public var iceUfrag: String? {
        get { attributeValue(named: AttributeName.iceUfrag) }
        set { setSingle(AttributeName.iceUfrag, newValue) }
    }

    /// `a=ice-pwd`.
    public var icePwd: String? {
        get { attributeValue(named: AttributeName.icePwd) }
        set { setSingle(AttributeName.icePwd, newValue) }
    }

    /// `a=ice-options` tokens (`trickle`, `ice2`, …); empty when absent.
    public var iceOptions: [String] {
        get {
            attributes(named: AttributeName.iceOptions).flatMap { a in
                SDPText.looseFields((a.value ?? "")[...]).map(String.init)
            }
        }
        set {
            setSingle(AttributeName.iceOptions, newValue.isEmpty ? nil : newValue.joined(separator: " "))
        }
    }

    /// `a=ice-lite` (session level only in RFC 8839 §5.3).
    public var iceLite: Bool {
        get { flag(AttributeName.iceLite) }
        set { setFlag(AttributeName.iceLite, newValue) }
    }

    /// Every `a=fingerprint` that parses, in order.
    public var fingerprints: [Fingerprint] {
        get { values(Fingerprint.self) }
        set { replace(named: [Fingerprint.attributeName], with: newValue.map(Attribute.init)) }
    }

    /// `a=setup`.
    public var setup: DTLSSetup? {
        get { attribute(named: DTLSSetup.attributeName)?.typed(as: DTLSSetup.self) }
        set { setSingle(DTLSSetup.attributeName, newValue?.rawValue) }
    }

    /// The direction attribute, nil when none is present (the default is `sendrecv`,
    /// RFC 8866 §6.7).
    public var direction: MediaDirection? {
        get {
            for case .attribute(let a) in attributeLines {
                if let d = MediaDirection(rawValue: a.name) { return d }
            }
            return nil
        }
        set {
            replace(named: Set(MediaDirection.allCases.map(\.rawValue)),
                    with: newValue.map { [Attribute(name: $0.rawValue)] } ?? [])
        }
    }

    /// `a=extmap` lines that parse, in order.
    public var extensionMaps: [ExtMap] {
        get { values(ExtMap.self) }
        set { replace(named: [ExtMap.attributeName], with: newValue.map(Attribute.init)) }
    }

    /// `a=extmap-allow-mixed` (RFC 8285 §6).
    public var extmapAllowMixed: Bool {
        get { flag(AttributeName.extmapAllowMixed) }
        set { setFlag(AttributeName.extmapAllowMixed, newValue) }
    }
}
