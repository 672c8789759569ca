extension STUNMessage {
    /// A success response to this request (RFC 8489 §6.3.1.1): same method and transaction id.
    public func successResponse(attributes: [STUNAttribute] = []) -> STUNMessage {
        STUNMessage(method: method, messageClass: .success, transactionID: transactionID, attributes: attributes)
    }

    /// An error response to this request carrying ERROR-CODE first (RFC 8489 §6.3.1.1).
    public func errorResponse(_ error: STUNErrorCode, attributes: [STUNAttribute] = []) -> STUNMessage {
        STUNMessage(
            method: method, messageClass: .error, transactionID: transactionID,
            attributes: [.errorCode(error)] + attributes)
    }

    /// The 420 Unknown Attribute response listing the comprehension-required attributes this
    /// request carries that this module does not understand (RFC 8489 §6.3.1), or nil when there
    /// are none or this is not a request (unknown attributes in other classes are ignored).
    public func unknownAttributeResponse() -> STUNMessage? {
        let unknown = unknownComprehensionRequired
        guard messageClass == .request, !unknown.isEmpty else { return nil }
        return errorResponse(.unknownAttribute, attributes: [.unknownAttributes(unknown)])
    }
}
