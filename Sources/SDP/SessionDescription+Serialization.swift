extension SessionDescription {
    /// The description as text in the RFC 8866 §5 line order, every line ending in CRLF.
    public func serialized() -> String {
        var out = ""
        out.reserveCapacity(64 * (attributeLines.count + media.reduce(8) { $0 + $1.attributeLines.count + 4 }))
        func line(_ type: String, _ value: String) {
            out += type
            out += value
            out += "\r\n"
        }
        line("v=", String(version))
        line("o=", origin.lineValue)
        line("s=", sessionName)
        if let information { line("i=", information) }
        if let uri { line("u=", uri) }
        for e in emails { line("e=", e) }
        for p in phones { line("p=", p) }
        if let connection { line("c=", connection.lineValue) }
        for b in bandwidths { line("b=", b.lineValue) }
        for t in timings {
            line("t=", t.lineValue)
            for r in t.repeats { line("r=", r) }
        }
        if let timeZones { line("z=", timeZones) }
        if let encryptionKey { line("k=", encryptionKey) }
        Self.serialize(attributeLines, into: &out)
        for m in media {
            line("m=", m.mediaLineValue)
            if let information = m.information { line("i=", information) }
            for c in m.connections { line("c=", c.lineValue) }
            for b in m.bandwidths { line("b=", b.lineValue) }
            if let key = m.encryptionKey { line("k=", key) }
            Self.serialize(m.attributeLines, into: &out)
        }
        return out
    }

    /// The serialized text as UTF-8 bytes.
    public func serializedBytes() -> [UInt8] { Array(serialized().utf8) }

    static func serialize(_ lines: [AttributeLine], into out: inout String) {
        for l in lines {
            switch l {
            case .attribute(let a):
                out += "a="
                out += a.name
                if let value = a.value {
                    out += ":"
                    out += value
                }
            case .unknown(let type, let value):
                out.append(type)
                out += "="
                out += value
            }
            out += "\r\n"
        }
    }
}

extension MediaDescription {
    /// This media section alone as text (CRLF line endings), e.g. for logs and tests.
    public func serialized() -> String {
        var out = "m=\(mediaLineValue)\r\n"
        if let information { out += "i=\(information)\r\n" }
        for c in connections { out += "c=\(c.lineValue)\r\n" }
        for b in bandwidths { out += "b=\(b.lineValue)\r\n" }
        if let encryptionKey { out += "k=\(encryptionKey)\r\n" }
        SessionDescription.serialize(attributeLines, into: &out)
        return out
    }
}
