import DataChannel

/// Data channels (RFC 8831) with DCEP (RFC 8832) on the connection's SCTP association.
extension PeerConnection {
    /// Opens a channel from our side (DATA_CHANNEL_OPEN); ``PeerConnectionEvent/dataChannelOpened(_:)``
    /// follows when the peer acknowledges. Returns the stream identifier.
    @discardableResult
    public func openDataChannel(_ parameters: DataChannelParameters) throws(PeerConnectionError) -> UInt16 {
        guard phase == .running else { throw .closed }
        guard let sctp else { throw .dataChannelsNotReady }
        let stream: UInt16
        do throws(SCTPError) {
            stream = try sctp.openChannel(parameters)
        } catch {
            throw .sctp(error)
        }
        channelCounters[stream] = DataChannelCounters(
            info: DataChannelInfo(streamID: stream, parameters: parameters, origin: .local))
        pump()
        return stream
    }

    /// Sends a binary (or, with `isBinary: false`, UTF-8 text) message on a channel.
    public func send(_ data: [UInt8], on channel: UInt16, isBinary: Bool = true) throws(PeerConnectionError) {
        guard phase == .running else { throw .closed }
        guard let sctp else { throw .dataChannelsNotReady }
        do throws(SCTPError) {
            try sctp.send(data, on: channel, isBinary: isBinary)
        } catch {
            throw .sctp(error)
        }
        channelCounters[channel]?.messagesSent &+= 1
        channelCounters[channel]?.bytesSent &+= data.count
        pump()
    }

    /// Sends a text message (PPID 51, RFC 8831 §8).
    public func send(text: String, on channel: UInt16) throws(PeerConnectionError) {
        try send(Array(text.utf8), on: channel, isBinary: false)
    }

    /// Closes a channel (stream reset, RFC 8831 §6.7).
    public func closeDataChannel(_ channel: UInt16) {
        guard phase == .running, let sctp else { return }
        sctp.closeChannel(channel)
        channelCounters[channel]?.state = .closing
        pump()
    }

    /// The channels the association knows, open or opening.
    public var dataChannels: [DataChannelInfo] { sctp?.channels ?? [] }

    /// Whether data channels can be opened and used now.
    public var dataChannelsReady: Bool { sctp?.state == .established }

    /// Bytes accepted by ``send(_:on:isBinary:)`` and still waiting for the SCTP send buffer.
    public var bufferedAmount: Int { sctp?.bufferedAmount ?? 0 }

    /// The SCTP association's counters, when it exists.
    public var sctpStatistics: SCTPStatistics? { sctp?.statistics }
}
