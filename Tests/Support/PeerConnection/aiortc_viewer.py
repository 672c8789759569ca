"""aiortc as the offering viewer of the PeerConnection interop tests.

For each of --runs sessions: create an RTCPeerConnection with a data channel named "viewer"
(and a recvonly video transceiver with --video), gather host candidates on 127.0.0.1 only,
print the non-trickle offer as one JSON line, read the answer as one JSON line on stdin.

Once the channel opens, the script sends --messages messages with a known pattern (even
indices: text, odd indices: binary), checks the --messages messages the master sends back
(the master's pattern, below), and answers every message on a channel the master opened with
"echo:" + the message. Reports, as JSON lines on stdout:

  {"run": i, "type": "offer", "sdp": ...}
  {"run": i, "event": "connectionState", "state": ..., "t": <monotonic s>}
  {"run": i, "event": "open", "t": ...}
  {"run": i, "event": "remoteChannel", "label": ...}
  {"run": i, "event": "received", "count": n, "ok": bool, "errors": [...]}
  {"run": i, "event": "done", "state": ...}

A run then waits for a line on stdin (the test's "close") before closing; with --connect-only
it ends once the channel is open (latency runs).
"""

import argparse
import asyncio
import json
import signal
import sys
import time

# Processes started from Swift test threads inherit a signal mask with SIGTERM blocked.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

import aioice.ice  # noqa: E402

# aioice never offers loopback addresses and the tests run on loopback only.
aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def viewer_message(i):
    """What the viewer sends as message i."""
    if i % 2 == 0:
        return "viewer-%03d-" % i + "v" * i
    return bytes([i & 0xFF]) + bytes(((i * 31 + j) & 0xFF) for j in range(i * 3))


def master_message(i):
    """What the master is expected to send as message i."""
    if i % 2 == 0:
        return "master-%03d-" % i + "m" * (i * 2)
    return bytes([0xA5, i & 0xFF]) + bytes(((i * 17 + j * 3) & 0xFF) for j in range(i * 5))


async def read_line():
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if not line:
        raise EOFError("stdin closed")
    return line


async def run_once(run, args):
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    finished = asyncio.Event()
    received = []
    errors = []

    @pc.on("connectionstatechange")
    def on_state():
        emit({"run": run, "event": "connectionState", "state": pc.connectionState, "t": time.monotonic()})
        if pc.connectionState in ("failed", "closed"):
            finished.set()

    channel = pc.createDataChannel("viewer")

    @channel.on("open")
    def on_open():
        emit({"run": run, "event": "open", "t": time.monotonic()})
        if args.connect_only:
            finished.set()
            return
        for i in range(args.messages):
            channel.send(viewer_message(i))

    def report():
        emit({"run": run, "event": "received", "count": len(received), "ok": not errors, "errors": errors[:5]})

    @channel.on("message")
    def on_message(message):
        index = len(received)
        received.append(message)
        expected = master_message(index)
        if message != expected or type(message) is not type(expected):
            errors.append("message %d: got %r, expected %r" % (index, message[:40], expected[:40]))
        if len(received) == args.messages:
            report()
            finished.set()

    @pc.on("datachannel")
    def on_datachannel(remote):
        emit({"run": run, "event": "remoteChannel", "label": remote.label, "protocol": remote.protocol})

        @remote.on("message")
        def on_remote_message(message):
            if isinstance(message, str):
                remote.send("echo:" + message)
            else:
                remote.send(b"echo:" + message)

    if args.video:
        pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    emit({"run": run, "type": "offer", "sdp": pc.localDescription.sdp})

    answer = json.loads(await read_line())
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    try:
        await asyncio.wait_for(finished.wait(), args.timeout)
    except asyncio.TimeoutError:
        if not args.connect_only:
            report()
    if not args.connect_only:
        # Stay up (echoing on the master's channel) until the test says close.
        try:
            await asyncio.wait_for(read_line(), args.timeout)
        except (asyncio.TimeoutError, EOFError):
            pass
    emit({"run": run, "event": "done", "state": pc.connectionState})
    await pc.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--video", action="store_true")
    parser.add_argument("--connect-only", action="store_true")
    parser.add_argument("--timeout", type=float, default=15.0)
    parser.add_argument("--sctp-log", action="store_true", help="aiortc's SCTP debug log on stderr")
    args = parser.parse_args()
    if args.sctp_log:
        import logging

        logging.basicConfig(stream=sys.stderr, format="%(relativeCreated)d %(message)s")
        logging.getLogger("aiortc.rtcsctptransport").setLevel(logging.DEBUG)
    for run in range(args.runs):
        await run_once(run, args)


if __name__ == "__main__":
    asyncio.run(main())
