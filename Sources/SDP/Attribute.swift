/// One `a=` line (RFC 8866 §5.13): a property attribute (`a=rtcp-mux`, `value == nil`) or a value
/// attribute (`a=mid:0`, `value == "0"`).
///
/// The value is kept exactly as received, so unknown attributes and unusual spellings
/// (`a=msid-semantic: WMS`) serialize back unchanged; typed views parse it on demand.
public struct Attribute: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: String?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// The attribute line for a typed value.
    public init<Value: SDPAttributeValue>(_ typed: Value) {
        self.init(name: Value.attributeName, value: typed.attributeValue)
    }

    /// The typed value, or nil when the name differs or the value does not parse.
    public func typed<Value: SDPAttributeValue>(as type: Value.Type) -> Value? {
        guard name == Value.attributeName, let value else { return nil }
        return try? Value(attributeValue: value[...])
    }

    /// The line text without the line ending, e.g. `a=mid:0`.
    public var description: String {
        if let value { return "a=\(name):\(value)" }
        return "a=\(name)"
    }
}

/// A line in the attribute area of a section: an attribute or a line of a type this parser does
/// not know (RFC 8866 §5 lets such lines be ignored; they are kept so the text round-trips).
public enum AttributeLine: Hashable, Sendable {
    case attribute(Attribute)
    case unknown(type: Character, value: String)

    public var attribute: Attribute? {
        if case .attribute(let a) = self { return a }
        return nil
    }
}

/// A typed attribute value (RFC 8866 §5.13 `att-value`) that parses from and serializes to the text
/// after `a=name:`.
public protocol SDPAttributeValue: Hashable, Sendable {
    /// The attribute name, e.g. `rtpmap`.
    static var attributeName: String { get }
    /// Parses the value (the text after the first colon). Errors carry no line number.
    init(attributeValue: Substring) throws(SDPError)
    /// The value text.
    var attributeValue: String { get }
}

/// A section that carries attributes: the session level or a media description.
///
/// The shared accessors here serve both levels, since JSEP (RFC 8829 §5.2.1) allows ICE and DTLS
/// attributes at either.
public protocol AttributeCarrier {
    /// The attribute area in order, unknown line types included.
    var attributeLines: [AttributeLine] { get set }
}

extension AttributeCarrier {
    /// Every `a=` line, in order.
    public var attributes: [Attribute] { attributeLines.compactMap(\.attribute) }

    public func attributes(named name: String) -> [Attribute] {
        attributeLines.compactMap { line in
            if case .attribute(let a) = line, a.name == name { return a }
            return nil
        }
    }

    /// The first attribute with this name.
    public func attribute(named name: String) -> Attribute? {
        for case .attribute(let a) in attributeLines where a.name == name { return a }
        return nil
    }

    /// The value of the first attribute with this name (nil also for a property attribute).
    public func attributeValue(named name: String) -> String? { attribute(named: name)?.value }

    public func hasAttribute(named name: String) -> Bool { attribute(named: name) != nil }

    /// Every attribute of this type that parses, in order.
    public func values<Value: SDPAttributeValue>(_ type: Value.Type) -> [Value] {
        attributeLines.compactMap { line in
            if case .attribute(let a) = line { return a.typed(as: type) }
            return nil
        }
    }

    public mutating func append(_ attribute: Attribute) {
        attributeLines.append(.attribute(attribute))
    }

    public mutating func append<Value: SDPAttributeValue>(_ value: Value) {
        append(Attribute(value))
    }

    public mutating func removeAttributes(named name: String) {
        attributeLines.removeAll { $0.attribute?.name == name }
    }

    public mutating func removeAttributes(where predicate: (Attribute) -> Bool) {
        attributeLines.removeAll { line in line.attribute.map(predicate) ?? false }
    }

    /// Puts `attribute` where the first attribute of the same name is (or at the end) and drops
    /// any others of that name.
    public mutating func replaceAttributes(with attribute: Attribute) {
        replace(named: [attribute.name], with: [attribute])
    }

    /// Replaces every attribute whose name is in `names` with `replacement`, placed where the first
    /// of them was (or at the end).
    mutating func replace(named names: Set<String>, with replacement: [Attribute]) {
        let first = attributeLines.firstIndex { $0.attribute.map { names.contains($0.name) } ?? false }
        var kept: [AttributeLine] = []
        kept.reserveCapacity(attributeLines.count + replacement.count)
        for (index, line) in attributeLines.enumerated() {
            if index == first { kept += replacement.map(AttributeLine.attribute) }
            if let a = line.attribute, names.contains(a.name) { continue }
            kept.append(line)
        }
        if first == nil { kept += replacement.map(AttributeLine.attribute) }
        attributeLines = kept
    }

    /// Whether a property attribute such as `a=rtcp-mux` is present.
    public func flag(_ name: String) -> Bool { hasAttribute(named: name) }

    /// Adds (at the end) or removes a property attribute.
    public mutating func setFlag(_ name: String, _ on: Bool) {
        if on {
            if !flag(name) { append(Attribute(name: name)) }
        } else {
            removeAttributes(named: name)
        }
    }

    /// Sets a single-valued attribute (`a=mid`, `a=ice-ufrag`), or removes it with nil.
    public mutating func setSingle(_ name: String, _ value: String?) {
        if let value {
            replaceAttributes(with: Attribute(name: name, value: value))
        } else {
            removeAttributes(named: name)
        }
    }
}
