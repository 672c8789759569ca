import STUN
import WireKit

/// One outstanding request (RFC 8489 §6.2) and what it is for.
struct Transaction: Sendable {
    enum Purpose: Hashable, Sendable {
        case allocate
        case refresh(lifetime: UInt32)
        case createPermission(IPAddress)
        case channelBind(SocketAddress, UInt16)

        var method: STUNMethod {
            switch self {
            case .allocate: .allocate
            case .refresh: .refresh
            case .createPermission: .createPermission
            case .channelBind: .channelBind
            }
        }
    }

    var purpose: Purpose
    var payload: [UInt8]
    /// The nonce the request was signed with; nil for an unauthenticated request.
    var nonce: String?
    var authenticationRetries: Int
    var transmissions = 1
    var rto: Duration
    /// Nil over streams and after the last transmission.
    var nextRetransmit: Instant?
    var deadline: Instant
}

extension TURNClient {
    /// Builds, signs when the realm is known, and sends a request; returns its id.
    @discardableResult
    mutating func startTransaction(
        _ purpose: Transaction.Purpose, now: Instant, authenticationRetries: Int = 0
    ) -> TransactionID {
        var id = TransactionID.random(using: &random)
        while transactions[id] != nil { id = TransactionID.random(using: &random) }
        let request = Self.request(for: purpose, id: id, dontFragment: configuration.dontFragment)
        let payload: [UInt8]
        var nonce: String?
        if let auth = authentication {
            let signed = request.addingLongTermCredentials(
                username: configuration.credentials.username, realm: auth.realm, nonce: auth.nonce)
            payload = (try? signed.encode(integrity: auth.key)) ?? []
            nonce = auth.nonce
        } else {
            payload = (try? request.encode()) ?? []
        }
        let stream = configuration.isStream
        transactions[id] = Transaction(
            purpose: purpose, payload: payload, nonce: nonce, authenticationRetries: authenticationRetries,
            rto: configuration.initialRTO,
            nextRetransmit: stream || configuration.maxTransmissions <= 1 ? nil : now + configuration.initialRTO,
            deadline: now + configuration.transactionTimeout)
        enqueue(payload)
        return id
    }

    static func request(for purpose: Transaction.Purpose, id: TransactionID, dontFragment: Bool) -> STUNMessage {
        switch purpose {
        case .allocate:
            STUNMessage.allocateRequest(transactionID: id, lifetime: nil, dontFragment: dontFragment)
        case .refresh(let lifetime):
            STUNMessage.refreshRequest(transactionID: id, lifetime: lifetime)
        case .createPermission(let ip):
            STUNMessage.createPermissionRequest(transactionID: id, peers: [SocketAddress(ip: ip, port: 0)])
        case .channelBind(let peer, let number):
            STUNMessage.channelBindRequest(transactionID: id, channelNumber: number, peer: peer)
        }
    }

    /// Retransmits due requests and times out dead ones (RFC 8489 §6.2.1).
    mutating func handleTransactionTimers(now: Instant) {
        for (id, var transaction) in transactions {
            if transaction.deadline <= now {
                transactions[id] = nil
                handleFailure(of: transaction, id: id, .timeout, now: now)
                continue
            }
            guard let due = transaction.nextRetransmit, due <= now else { continue }
            transaction.transmissions += 1
            transaction.rto = transaction.rto * 2
            transaction.nextRetransmit =
                transaction.transmissions >= configuration.maxTransmissions ? nil : now + transaction.rto
            transactions[id] = transaction
            statistics.retransmissions += 1
            enqueue(transaction.payload)
        }
    }

    /// Handles a response (success or error) to one of the client's requests.
    mutating func handleResponse(_ message: STUNMessage, raw: ArraySlice<UInt8>, now: Instant) {
        let id = message.transactionID
        guard let transaction = transactions[id], transaction.purpose.method == message.method else {
            statistics.unmatchedResponses += 1
            return
        }
        if message.messageClass == .error, let code = message.errorCode,
            code.code == STUNErrorCode.unauthenticated.code || code.code == STUNErrorCode.staleNonce.code
        {
            // 401 and 438 carry no MESSAGE-INTEGRITY the client could check (RFC 8489 §9.2.4):
            // they only bring a realm and nonce for a new, signed attempt.
            transactions[id] = nil
            handleChallenge(message, code: code, transaction: transaction, now: now)
            return
        }
        if transaction.nonce != nil {
            guard let key = authentication?.key, STUNMessage.verifyIntegrity(of: raw, key: key) else {
                statistics.integrityFailures += 1
                return
            }
        }
        transactions[id] = nil
        if message.messageClass == .success {
            handleSuccess(of: transaction, message, now: now)
        } else {
            let failure = message.errorCode.map { TURNFailure($0, alternate: message.alternateServer) }
            handleFailure(of: transaction, id: id, failure ?? .malformedResponse, now: now)
        }
    }

    /// 401 or 438: learn the realm and nonce and send the request again, signed (RFC 8489
    /// §9.2.5). A 401 to a request already signed with the same nonce means the credentials
    /// are wrong.
    private mutating func handleChallenge(
        _ message: STUNMessage, code: STUNErrorCode, transaction: Transaction, now: Instant
    ) {
        let id = message.transactionID
        let failure = TURNFailure(code)
        guard let nonce = message.nonce, let realm = message.realm ?? authentication?.realm,
            transaction.authenticationRetries < configuration.maxAuthenticationRetries
        else {
            handleFailure(of: transaction, id: id, failure, now: now)
            return
        }
        let isStale = code.code == STUNErrorCode.staleNonce.code
        if !isStale, transaction.nonce == nonce, authentication?.realm == realm {
            handleFailure(of: transaction, id: id, failure, now: now)
            return
        }
        if let auth = authentication, auth.realm == realm {
            authentication?.nonce = nonce
        } else {
            let credentials = configuration.credentials
            guard let key = try? STUNKey.longTerm(username: credentials.username, realm: realm, password: credentials.password)
            else {
                handleFailure(of: transaction, id: id, failure, now: now)
                return
            }
            authentication = Authentication(realm: realm, nonce: nonce, key: key)
        }
        let newID = startTransaction(
            transaction.purpose, now: now, authenticationRetries: transaction.authenticationRetries + 1)
        retarget(transaction.purpose, to: newID)
    }

    /// Points the permission or channel at the transaction that replaced its request.
    private mutating func retarget(_ purpose: Transaction.Purpose, to id: TransactionID) {
        switch purpose {
        case .createPermission(let ip):
            if case .requesting(_, let expiresAt)? = permissions[ip] {
                permissions[ip] = .requesting(id, expiresAt: expiresAt)
            }
        case .channelBind(let peer, _):
            if var channel = channels[peer], case .binding(_, let expiresAt) = channel.status {
                channel.status = .binding(id, expiresAt: expiresAt)
                channels[peer] = channel
            }
        case .allocate, .refresh:
            break
        }
    }
}
