import WireKit

/// Small JSON helpers shared by the KVS signaling codecs.
///
/// Outgoing messages are written by hand rather than from a value tree so the member order is
/// exactly the one the developer guide shows (`action`, `recipientClientId`, `messagePayload`,
/// `correlationId`), which keeps the wire bytes stable and testable.
enum SignalingJSON {
    /// `value` as a JSON string literal (RFC 8259 §7), quotes included.
    static func quoted(_ value: String) -> String { JSONWriter.quoted(value) }

    /// `{"k1":v1,"k2":v2}` from already-encoded member values, skipping absent ones.
    static func object(_ members: [(String, String?)]) -> String {
        var parts: [String] = []
        for (key, value) in members {
            if let value { parts.append(quoted(key) + ":" + value) }
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// Decodes `bytes` as `T`, mapping parse and decoding errors onto typed codec errors.
    static func decode<T: Decodable>(
        _ type: T.Type, from bytes: [UInt8], context: String
    ) throws(SignalingCodecError) -> T {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw .malformedJSON(context: context)
        }
        do {
            return try JSONValueDecoder().decode(type, from: value)
        } catch let error as DecodingError {
            switch error {
            case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
                throw .wrongFieldType(path(ctx.codingPath, in: context))
            case .keyNotFound(let key, let ctx):
                throw .missingField(path(ctx.codingPath + [key], in: context))
            case .dataCorrupted:
                throw .malformedJSON(context: context)
            @unknown default:
                throw .malformedJSON(context: context)
            }
        } catch {
            throw .malformedJSON(context: context)
        }
    }

    private static func path(_ keys: [any CodingKey], in context: String) -> String {
        keys.isEmpty ? context : keys.map { $0.intValue.map { String($0) } ?? $0.stringValue }.joined(separator: ".")
    }

    /// Whether `id` fits the guide's identifier rule: 1...256 characters of `[a-zA-Z0-9_.-]`.
    static func isValidIdentifier(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard !utf8.isEmpty, utf8.count <= 256 else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }
}

/// A JSON scalar that some senders write as a string and others as a number (for example
/// `sdpMLineIndex` and `statusCode`); decoding accepts both and keeps the text form.
struct LenientScalar: Decodable, Equatable {
    var text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else {
            throw DecodingError.typeMismatch(
                String.self, .init(codingPath: decoder.codingPath, debugDescription: "string or integer"))
        }
    }
}
