"""Signaling channels and the WebSocket message hub of the KVS emulator (KVS developer guide,
"WebSocket endpoint APIs": ConnectAsMaster, ConnectAsViewer, SendSdpOffer, SendSdpAnswer,
SendIceCandidate, "Asynchronous message reception", "Disconnect")."""
import asyncio
import json
import re
import time

MAX_VIEWERS = 10          # "Maximum number of concurrent connections per channel" for viewers
MAX_PAYLOAD = 10 * 1024   # messagePayload "Maximum length of 10K"
IDENTIFIER = re.compile(r"^[a-zA-Z0-9_.-]{1,256}$")
CLIENT_ID = re.compile(r"^(?![Aa][Ww][Ss]_)[a-zA-Z0-9_.-]{1,256}$")
CHANNEL_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,256}$")
CHANNEL_ARN = re.compile(r"^arn:aws:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+/[a-zA-Z0-9_.-]+/[0-9]+$")
ACTIONS = ("SDP_OFFER", "SDP_ANSWER", "ICE_CANDIDATE")
STORAGE_MAILBOX = "$storage"
STORAGE_OFFER_SDP = (
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"
    "a=ice-ufrag:stor\r\na=ice-pwd:storagesessionpassword00\r\na=setup:actpass\r\n"
    "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
    "a=rtpmap:102 H264/90000\r\na=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n")


def storage_offer_payload():
    """The SDP_OFFER payload a storage session sends after JoinStorageSession: base64 of
    {"type":"offer","sdp":...}."""
    import base64
    return base64.b64encode(json.dumps({"type": "offer", "sdp": STORAGE_OFFER_SDP}).encode()).decode()


class Channel:
    def __init__(self, name, arn, ttl, created):
        self.name = name
        self.arn = arn
        self.ttl = ttl
        self.created = created
        self.version = "1"
        self.creating_describes = 0   # DescribeSignalingChannel answers CREATING this many more times
        self.storage_stream_arn = None
        self.master = None            # the newest master connection (an aiohttp WebSocketResponse)
        self.master_request = None    # its request, for abrupt resets
        self.master_changed = asyncio.Event()
        self.viewers = {}             # client id -> WebSocketResponse of a real viewer connection
        self.mailboxes = {}           # client id -> list of events the master sent to that viewer
        self.mailbox_changed = asyncio.Event()

    def info(self, status):
        return {
            "ChannelName": self.name, "ChannelARN": self.arn, "ChannelType": "SINGLE_MASTER",
            "ChannelStatus": status, "CreationTime": self.created, "Version": self.version,
            "SingleMasterConfiguration": {"MessageTtlSeconds": self.ttl},
        }

    def notify_mailbox(self):
        self.mailbox_changed.set()
        self.mailbox_changed = asyncio.Event()

    def notify_master(self):
        self.master_changed.set()
        self.master_changed = asyncio.Event()


def event(message_type, payload=None, sender=None):
    """A service-to-client event in the guide's member order."""
    body = {}
    if sender is not None:
        body["senderClientId"] = sender
    body["messageType"] = message_type
    if payload is not None:
        body["messagePayload"] = payload
    return body


def status_response(correlation_id, error_type, status_code, description):
    return {"messageType": "STATUS_RESPONSE", "statusResponse": {
        "correlationId": correlation_id, "errorType": error_type, "statusCode": str(status_code),
        "description": description}}


class Hub:
    """Routes client messages between a channel's master and its viewers."""

    def __init__(self, stats):
        self.stats = stats

    async def send(self, socket, message):
        if socket is None or socket.closed:
            return False
        try:
            await socket.send_str(json.dumps(message, separators=(",", ":")))
        except (ConnectionError, RuntimeError):
            return False
        return True

    def validate(self, text, from_master, storage_session):
        """Returns (message, None) or (None, (correlationId or None, description))."""
        try:
            message = json.loads(text)
        except ValueError:
            return None, (None, "The message is not valid JSON.")
        if not isinstance(message, dict):
            return None, (None, "The message is not a JSON object.")
        correlation = message.get("correlationId")
        if correlation is not None and (not isinstance(correlation, str) or not IDENTIFIER.match(correlation)):
            return None, (None, "correlationId does not match [a-zA-Z0-9_.-]+ of length 1-256.")
        action = message.get("action")
        if action not in ACTIONS:
            return None, (correlation, "action must be one of SDP_OFFER, SDP_ANSWER, ICE_CANDIDATE.")
        payload = message.get("messagePayload")
        if not isinstance(payload, str) or not payload:
            return None, (correlation, "messagePayload is required.")
        if len(payload) > MAX_PAYLOAD:
            return None, (correlation, "messagePayload exceeds the maximum length of 10K.")
        recipient = message.get("recipientClientId")
        if from_master:
            needs_recipient = not (storage_session and recipient in (None, ""))
            if needs_recipient and (not isinstance(recipient, str) or not IDENTIFIER.match(recipient)):
                return None, (correlation, "recipientClientId is required for a master and must match "
                                           "[a-zA-Z0-9_.-]+ of length 1-256.")
        return message, None

    async def from_master(self, channel, text, storage_session):
        socket = channel.master
        message, problem = self.validate(text, True, storage_session)
        if problem is not None:
            await self._reject(socket, problem)
            return
        recipient = message.get("recipientClientId") or STORAGE_MAILBOX
        delivered = event(message["action"], message["messagePayload"])
        if message.get("correlationId") is not None:
            delivered["correlationId"] = message["correlationId"]
        viewer = channel.viewers.get(recipient)
        if viewer is not None and not viewer.closed:
            await self.send(viewer, event(message["action"], message["messagePayload"]))
        # Every recipient also gets a mailbox entry, so tests can read what the master sent to a
        # viewer they play through the admin API (undelivered messages wait in KVS too, for
        # the channel's MessageTtlSeconds).
        channel.mailboxes.setdefault(recipient, []).append(
            {"received": time.time(), "action": message["action"], "messagePayload": message["messagePayload"],
             "correlationId": message.get("correlationId")})
        channel.notify_mailbox()
        self.stats.count("messagesRouted", "masterToViewer")

    async def from_viewer(self, channel, client_id, socket, text):
        message, problem = self.validate(text, False, False)
        if problem is not None:
            await self._reject(socket, problem)
            return
        await self.deliver_to_master(channel, message["action"], message["messagePayload"], client_id,
                                     reply_to=socket, correlation=message.get("correlationId"))

    async def deliver_to_master(self, channel, action, payload, sender, reply_to=None, correlation=None):
        if channel.master is None or channel.master.closed:
            if reply_to is not None and correlation is not None:
                await self.send(reply_to, status_response(
                    correlation, "InvalidArgumentException", 400, "The master is not connected."))
            self.stats.count("messagesDropped", "noMaster")
            return False
        delivered = await self.send(channel.master, event(action, payload, sender))
        if delivered:
            self.stats.count("messagesRouted", "viewerToMaster" if sender is not None else "storageToMaster")
        return delivered

    async def _reject(self, socket, problem):
        correlation, description = problem
        self.stats.count("messagesRejected", "invalid")
        # The guide: errors come back as STATUS_RESPONSE only when the message had a correlationId.
        if correlation is not None:
            await self.send(socket, status_response(correlation, "InvalidArgumentException", 400, description))
