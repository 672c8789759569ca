"""aiortc as a viewer of `kvsmaster --local`, signaling over the local server's WebSocket in the
KVS viewer message format (as a KVS ConnectAsViewer client does): it sends
{"action": "SDP_OFFER"|"ICE_CANDIDATE", "recipientClientId": ..., "messagePayload": base64(json)}
and reads {"senderClientId", "messageType": "SDP_ANSWER"|"ICE_CANDIDATE", "messagePayload"}.

Run with the checkout's .venv/bin/python. Modes:

  view   offers recvonly H.264 video + audio and a data channel, sends --messages messages once
         it opens, decodes frames; JSON lines on stdout:
           {"event": "answer"}, {"event": "stats", "video": n, "audio": n, "replies": n,
            "replyText": ..., "width": w, "height": h}, {"event": "done", ...same fields...}
         --bad-frames first sends frames the server must drop (not JSON, oversized, unknown
         action, binary) on the same socket.
  probe  {"event": "probe", "http": status, "page": bool, "websocket": "open"|"refused: ..."}
         for GET / and a WebSocket upgrade with the given --token (none when omitted).
  sockets  opens --count WebSockets with distinct client ids (--same-id: all "socket", reported as
         socket#0, socket#1, ...) and reports each one's fate:
         {"event": "sockets", "results": [{"id": ..., "open": bool, "closeCode": n, "reason": ...}]}
"""

import argparse
import asyncio
import base64
import json
import signal
import sys
import time
import urllib.parse

signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

import aiohttp  # noqa: E402
import aioice.ice  # noqa: E402

from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription  # noqa: E402
from aiortc.sdp import candidate_from_sdp  # noqa: E402


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def url(args, scheme, path, client_id=None):
    query = {}
    if args.token is not None:
        query["token"] = args.token
    if client_id is not None:
        query["X-Amz-ClientId"] = client_id
    text = urllib.parse.urlencode(query)
    return "%s://%s:%d%s%s" % (scheme, args.host, args.port, path, ("?" + text) if text else "")


def frame(action, payload):
    encoded = base64.b64encode(json.dumps(payload).encode()).decode()
    return json.dumps({"action": action, "recipientClientId": "MASTER", "messagePayload": encoded})


class Counters:
    def __init__(self):
        self.video = 0
        self.audio = 0
        self.width = 0
        self.height = 0
        self.replies = 0
        self.reply_text = None

    def fields(self):
        return {"video": self.video, "audio": self.audio, "width": self.width, "height": self.height,
                "replies": self.replies, "replyText": self.reply_text}


async def consume(track, counters):
    while True:
        try:
            frame_ = await track.recv()
        except Exception:
            return
        if track.kind == "video":
            counters.video += 1
            counters.width, counters.height = frame_.width, frame_.height
        else:
            counters.audio += 1


async def view(args):
    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: [args.ice_address]
    counters = Counters()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    tasks = []

    @pc.on("track")
    def on_track(track):
        tasks.append(asyncio.ensure_future(consume(track, counters)))

    channel = pc.createDataChannel("kvsDataChannel")

    @channel.on("open")
    def on_open():
        for i in range(args.messages):
            channel.send("hello %d from %s" % (i, args.client_id))

    @channel.on("message")
    def on_message(message):
        counters.replies += 1
        counters.reply_text = message if isinstance(message, str) else None

    video = pc.addTransceiver("video", direction="recvonly")
    video.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("video").codecs
                               if c.mimeType in ("video/H264", "video/rtx")])
    pc.addTransceiver("audio", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())

    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url(args, "ws", "/", args.client_id)) as ws:
            if args.bad_frames:
                await ws.send_str("this is not json")
                await ws.send_str(json.dumps({"action": "SDP_OFFER", "messagePayload": "A" * (70 * 1024)}))
                await ws.send_str(json.dumps({"action": "DANCE", "messagePayload": "e30="}))
                await ws.send_bytes(b"\x00\x01binary")
            # aiortc gathers before createOffer returns: the candidates are in the SDP.
            await ws.send_str(frame("SDP_OFFER", {"type": "offer", "sdp": pc.localDescription.sdp}))

            async def read():
                async for message in ws:
                    if message.type != aiohttp.WSMsgType.TEXT:
                        break
                    data = json.loads(message.data)
                    payload = json.loads(base64.b64decode(data["messagePayload"]))
                    if data.get("messageType") == "SDP_ANSWER":
                        await pc.setRemoteDescription(RTCSessionDescription(sdp=payload["sdp"], type="answer"))
                        emit({"event": "answer", "sender": data.get("senderClientId"), "t": time.monotonic()})
                    elif data.get("messageType") == "ICE_CANDIDATE":
                        text = payload.get("candidate", "")
                        if text.startswith("candidate:") and pc.remoteDescription is not None:
                            candidate = candidate_from_sdp(text[len("candidate:"):])
                            candidate.sdpMid = payload.get("sdpMid")
                            candidate.sdpMLineIndex = payload.get("sdpMLineIndex")
                            await pc.addIceCandidate(candidate)
                emit({"event": "signalingClosed", "code": ws.close_code})

            reader = asyncio.ensure_future(read())
            start = time.monotonic()
            while time.monotonic() - start < args.timeout:
                await asyncio.sleep(1.0)
                emit(dict({"event": "stats", "state": pc.connectionState}, **counters.fields()))
                if counters.video >= args.frames and counters.replies >= args.messages:
                    break
                if pc.connectionState in ("failed", "closed"):
                    break
            emit(dict({"event": "done", "state": pc.connectionState}, **counters.fields()))
            reader.cancel()
    for task in tasks:
        task.cancel()
    await pc.close()


async def probe(args):
    result = {"event": "probe"}
    async with aiohttp.ClientSession() as session:
        async with session.get(url(args, "http", "/")) as response:
            body = await response.text()
            result["http"] = response.status
            result["page"] = "kvsmaster viewer" in body
        headers = {}
        if args.origin:
            headers["Origin"] = args.origin
        if args.host_header:
            headers["Host"] = args.host_header
        try:
            async with session.ws_connect(url(args, "ws", "/", "probe"), timeout=5, headers=headers) as ws:
                result["websocket"] = "open"
                await ws.close()
        except Exception as error:
            result["websocket"] = "refused: %s" % type(error).__name__
    emit(result)


async def sockets(args):
    results = []
    async with aiohttp.ClientSession() as session:
        opened = []
        for i in range(args.count):
            client_id = "socket" if args.same_id else "socket-%d" % i
            try:
                ws = await session.ws_connect(url(args, "ws", "/", client_id), timeout=5)
                opened.append((client_id, ws))
            except Exception as error:
                results.append({"id": client_id, "open": False, "error": type(error).__name__})
        await asyncio.sleep(1.0)
        for index, (client_id, ws) in enumerate(opened):
            client_id = "%s#%d" % (client_id, index) if args.same_id else client_id
            closed, code, reason = ws.closed, ws.close_code, None
            if not closed:
                try:
                    message = await ws.receive(timeout=0.5)
                    if message.type == aiohttp.WSMsgType.CLOSE:
                        closed, code, reason = True, message.data, message.extra
                    elif message.type == aiohttp.WSMsgType.CLOSED:
                        closed = True
                except asyncio.TimeoutError:
                    pass
            results.append({"id": client_id, "open": not closed, "closeCode": code, "reason": reason})
        for _, ws in opened:
            await ws.close()
    emit({"event": "sockets", "results": results})


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["view", "probe", "sockets"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token")
    parser.add_argument("--client-id", default="aiortc-viewer")
    parser.add_argument("--ice-address", default="127.0.0.1")
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--count", type=int, default=2)
    parser.add_argument("--bad-frames", action="store_true")
    parser.add_argument("--same-id", action="store_true", help="sockets: every socket uses the client id 'socket'")
    parser.add_argument("--origin", help="probe: the WebSocket's Origin header")
    parser.add_argument("--host-header", help="probe: the WebSocket's Host header")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    if args.mode == "view":
        await view(args)
    elif args.mode == "probe":
        await probe(args)
    else:
        await sockets(args)


if __name__ == "__main__":
    asyncio.run(main())
