"""aiortc as the offering viewer of the ICE interop tests.

For each of --runs sessions: create an RTCPeerConnection (a data channel, and a recvonly video
transceiver with --video), gather host candidates on 127.0.0.1 (or --host) only, print the non-trickle offer
as one JSON line on stdout, read the answer as one JSON line on stdin, and print every
iceConnectionState change as a JSON line until the state is completed or failed (or --timeout
passes). DTLS is expected to fail afterwards: only ICE is checked.

Lines written: {"run": i, "type": "offer", "sdp": ...}
               {"run": i, "event": "iceConnectionState", "state": ..., "t": <monotonic s>}
               {"run": i, "event": "done", "state": ...}
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

# aioice never offers loopback addresses; the tests run on loopback (or, with --host, on an
# address of a test network namespace) only.
HOST = sys.argv[sys.argv.index("--host") + 1] if "--host" in sys.argv else "127.0.0.1"
aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: [HOST]

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def read_line():
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if not line:
        raise EOFError("stdin closed")
    return line


async def run_once(run, video, timeout):
    # No iceServers: aioice would otherwise ask a public STUN server.
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    finished = asyncio.Event()

    @pc.on("iceconnectionstatechange")
    def on_state():
        state = pc.iceConnectionState
        emit({"run": run, "event": "iceConnectionState", "state": state, "t": time.monotonic()})
        if state in ("completed", "connected", "failed"):
            finished.set()

    pc.createDataChannel("interop")
    if video:
        pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    emit({"run": run, "type": "offer", "sdp": pc.localDescription.sdp})

    answer = json.loads(await read_line())
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    try:
        await asyncio.wait_for(finished.wait(), timeout)
    except asyncio.TimeoutError:
        pass
    emit({"run": run, "event": "done", "state": pc.iceConnectionState})
    await pc.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--video", action="store_true")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    for run in range(args.runs):
        await run_once(run, args.video, args.timeout)


if __name__ == "__main__":
    asyncio.run(main())
