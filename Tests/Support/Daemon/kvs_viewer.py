"""aiortc as a KVS viewer of the daemon's end-to-end tests, signaling through the KVS
emulator's admin API (a "virtual viewer": SDP_OFFER and ICE_CANDIDATE go to the master as if
from `--client-id`, and what the master sends back is read from the viewer's mailbox).

The viewer offers recvonly H.264 video (with RTX), audio (sendrecv with --send-audio, which
sends aiortc's silence track as Opus, else recvonly) and a data channel "viewer". Once the data
channel opens it sends --messages text messages and counts the master's replies. It decodes
every video and audio frame it receives and reports, as JSON lines on stdout:

  {"event": "answer", "t": ...}
  {"event": "connectionState", "state": ..., "t": ...}
  {"event": "stats", "video": n, "audio": n, "maxGap": s, "width": w, "height": h,
   "replies": n, "firstFrame": t, "rtpDropped": n}            (every second)
  {"event": "done", ...same fields...}

--loss P drops a fraction P of the incoming RTP packets before aiortc's receiver sees them
(so its NACKs ask the master for retransmissions). Runs --duration seconds after the first
video frame, then closes (with --hold, once stdin has a line). --silent-exit leaves without closing
the peer connection (a viewer that vanishes: no DTLS close_notify, no SCTP shutdown).
--no-decode counts each video frame the jitter buffer reassembles without decoding it (width and
height stay 0), so that many viewers on one small host leave CPU time to the master under test.
"""

import argparse
import asyncio
import base64
import json
import os
import random
import signal
import sys
import time

signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

import aiohttp  # noqa: E402
import aioice.ice  # noqa: E402

aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]

from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription  # noqa: E402
from aiortc.mediastreams import AudioStreamTrack  # noqa: E402
from aiortc.rtcrtpreceiver import RTCRtpReceiver  # noqa: E402
from aiortc.sdp import candidate_from_sdp  # noqa: E402


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class Counters:
    def __init__(self):
        self.video = 0
        self.audio = 0
        self.width = 0
        self.height = 0
        self.first_frame = None
        self.last_frame = None
        self.max_gap = 0.0
        self.replies = 0
        self.rtp_dropped = 0

    def fields(self):
        return {"video": self.video, "audio": self.audio, "maxGap": round(self.max_gap, 3),
                "width": self.width, "height": self.height, "replies": self.replies,
                "firstFrame": self.first_frame, "rtpDropped": self.rtp_dropped}


class UndecodedFrame:
    """Stands in for a decoded picture when --no-decode is given."""
    width = 0
    height = 0


class CountingDecoder:
    def decode(self, encoded_frame):
        return [UndecodedFrame()]


def skip_video_decoding():
    """Swaps the receiver's video decoder for one that only passes each reassembled frame on."""
    import aiortc.rtcrtpreceiver as receiver
    original = receiver.get_decoder

    def get_decoder(codec):
        if codec.mimeType.lower().startswith("video/"):
            return CountingDecoder()
        return original(codec)

    receiver.get_decoder = get_decoder


def install_loss(probability, counters, seed):
    """Drops incoming RTP (not RTX retransmissions' second copies: each packet, either kind,
    independently) before the receiver's jitter buffer and NACK generator see it."""
    original = RTCRtpReceiver._handle_rtp_packet
    rng = random.Random(seed)

    async def lossy(self, packet, arrival_time_ms):
        if rng.random() < probability:
            counters.rtp_dropped += 1
            return
        return await original(self, packet, arrival_time_ms)

    RTCRtpReceiver._handle_rtp_packet = lossy


async def admin_send(session, admin, client, action, payload):
    body = {"action": action, "payload": json.dumps(payload)}
    async with session.post("%s/viewer/%s/send" % (admin, client), json=body) as response:
        if response.status != 200:
            raise RuntimeError("emulator refused %s: %s %s" % (action, response.status, await response.text()))


async def admin_received(session, admin, client, count, timeout):
    url = "%s/viewer/%s/received?count=%d&timeout=%s" % (admin, client, count, timeout)
    async with session.get(url) as response:
        return (await response.json())["messages"]


async def consume(track, counters, kind):
    while True:
        try:
            frame = await track.recv()
        except Exception:
            return
        now = time.monotonic()
        if kind == "video":
            counters.video += 1
            counters.width, counters.height = frame.width, frame.height
            if counters.first_frame is None:
                counters.first_frame = now
            elif counters.last_frame is not None:
                counters.max_gap = max(counters.max_gap, now - counters.last_frame)
            counters.last_frame = now
        else:
            counters.audio += 1


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--send-audio", action="store_true")
    parser.add_argument("--loss", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--silent-exit", action="store_true")
    parser.add_argument("--hold", action="store_true", help="after done, stay connected until stdin has a line")
    parser.add_argument("--no-decode", action="store_true", help="count reassembled video frames without decoding them")
    args = parser.parse_args()
    if args.no_decode:
        skip_video_decoding()

    counters = Counters()
    if args.loss > 0:
        install_loss(args.loss, counters, hash(args.client_id) & 0xFFFF)

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    tasks = []

    @pc.on("connectionstatechange")
    def on_state():
        emit({"event": "connectionState", "state": pc.connectionState, "t": time.monotonic()})

    @pc.on("track")
    def on_track(track):
        tasks.append(asyncio.ensure_future(consume(track, counters, track.kind)))

    channel = pc.createDataChannel("viewer")

    @channel.on("open")
    def on_open():
        for i in range(args.messages):
            channel.send("hello %d from %s" % (i, args.client_id))

    @channel.on("message")
    def on_message(message):
        counters.replies += 1

    video = pc.addTransceiver("video", direction="recvonly")
    video.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("video").codecs
                               if c.mimeType in ("video/H264", "video/rtx")])
    if args.send_audio:
        pc.addTransceiver(AudioStreamTrack(), direction="sendrecv")
    else:
        pc.addTransceiver("audio", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())

    async with aiohttp.ClientSession() as session:
        await admin_send(session, args.admin, args.client_id, "SDP_OFFER",
                         {"type": "offer", "sdp": pc.localDescription.sdp})
        deadline = time.monotonic() + args.timeout
        seen = 0
        answered = False
        while not answered or (pc.connectionState not in ("connected", "failed", "closed")
                               and time.monotonic() < deadline):
            if time.monotonic() > deadline:
                emit({"event": "error", "message": "no answer from the master"})
                break
            messages = await admin_received(session, args.admin, args.client_id, seen + 1, 1)
            for message in messages[seen:]:
                payload = json.loads(base64.b64decode(message["messagePayload"]))
                if message["action"] == "SDP_ANSWER" and not answered:
                    await pc.setRemoteDescription(RTCSessionDescription(sdp=payload["sdp"], type="answer"))
                    answered = True
                    emit({"event": "answer", "t": time.monotonic()})
                elif message["action"] == "ICE_CANDIDATE" and answered:
                    text = payload.get("candidate", "")
                    if text.startswith("candidate:"):
                        candidate = candidate_from_sdp(text[len("candidate:"):])
                        candidate.sdpMid = payload.get("sdpMid")
                        candidate.sdpMLineIndex = payload.get("sdpMLineIndex")
                        await pc.addIceCandidate(candidate)
            seen = len(messages)

    start = time.monotonic()
    end = None
    while time.monotonic() - start < args.timeout + args.duration:
        await asyncio.sleep(1.0)
        emit(dict({"event": "stats", "t": time.monotonic(), "state": pc.connectionState}, **counters.fields()))
        if counters.first_frame is not None and end is None:
            end = counters.first_frame + args.duration
        if end is not None and time.monotonic() >= end:
            break
        if pc.connectionState in ("failed", "closed"):
            break
    emit(dict({"event": "done", "state": pc.connectionState}, **counters.fields()))
    if args.silent_exit:
        os._exit(0)
    if args.hold:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for task in tasks:
        task.cancel()
    await pc.close()


if __name__ == "__main__":
    asyncio.run(main())
