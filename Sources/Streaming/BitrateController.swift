/// Video bitrate adaptation (additive/multiplicative steps in the manner of the KVS C SDK's
/// GStreamer sample): each viewer has an estimate driven by its receiver reports' fraction
/// lost (RFC 3550 §6.4.1) and capped by its REMB (draft-alvestrand-rmcat-remb §2); the
/// encoder target is the smallest estimate, within the configured bounds, so the weakest
/// viewer still gets a stream it can take.
public struct BitrateBounds: Hashable, Sendable {
    public var minimum: Int
    public var maximum: Int
    /// Where every new viewer's estimate starts (and the encoder's setting before feedback).
    public var initial: Int

    public init(minimum: Int, maximum: Int, initial: Int) {
        self.minimum = max(1, minimum)
        self.maximum = max(self.minimum, maximum)
        self.initial = min(max(initial, self.minimum), self.maximum)
    }

    func clamp(_ value: Int) -> Int { min(max(value, minimum), maximum) }
}

/// One viewer's bitrate estimate.
struct BitrateEstimate: Hashable, Sendable {
    private(set) var value: Int

    /// Loss at or below this fraction (of 256) lets the estimate grow: 5%.
    static let lossThreshold = 13
    /// Growth per step: 5%.
    static let increasePercent = 5

    init(bounds: BitrateBounds) { value = bounds.initial }

    /// A receiver report's fraction lost: grow 5% when loss is low, else shrink by the loss.
    mutating func onLoss(fractionLost: UInt8, bounds: BitrateBounds) {
        if Int(fractionLost) <= Self.lossThreshold {
            value = bounds.clamp(value + value * Self.increasePercent / 100)
        } else {
            value = bounds.clamp(value - value * Int(fractionLost) / 256)
        }
    }

    /// A REMB: drop to it at once; grow towards it by one step at most.
    mutating func onREMB(_ bitrate: UInt64, bounds: BitrateBounds) {
        let remb = Int(min(bitrate, UInt64(Int.max)))
        if remb < value {
            value = bounds.clamp(remb)
        } else {
            value = bounds.clamp(min(remb, value + value * Self.increasePercent / 100))
        }
    }
}
