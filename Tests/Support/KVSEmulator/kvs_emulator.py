#!/usr/bin/python3
"""A local Amazon Kinesis Video Streams signaling emulator for kvsmaster's tests.

Serves on loopback, over TLS signed by a test CA it makes itself:
  * the control plane (KVS API: DescribeSignalingChannel, CreateSignalingChannel,
    GetSignalingChannelEndpoint, DescribeMediaStorageConfiguration),
  * the signaling endpoint: HTTPS GetIceServerConfig (TURN credentials for a coturn it starts),
    HTTPS JoinStorageSession, and the WSS ConnectAsMaster / ConnectAsViewer socket,
  * a plain-HTTP admin API for fault injection and for playing viewers (see emulator_admin.py).
Every request is checked with SigV4 against the configured credentials and the emulator's clock.

Prints one JSON line describing its endpoints on stdout, then serves until SIGTERM or SIGINT.
Needs /usr/bin/python3 with the Debian packages python3-aiohttp and python3-botocore, plus
openssl and coturn (unless --no-turn)."""
import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import time

# A process started from a thread that blocks SIGTERM (a Swift test thread does) inherits that
# mask; unblock before anything else so SIGTERM stops the emulator.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])

try:
    import aiohttp  # noqa: F401
    from aiohttp import web
except ImportError as error:
    sys.stderr.write("cannot import aiohttp (%s): install the Debian package python3-aiohttp\n" % error)
    sys.exit(3)
try:
    import botocore  # noqa: F401
except ImportError as error:
    sys.stderr.write("cannot import botocore (%s): install the Debian package python3-botocore\n" % error)
    sys.exit(3)

import emulator_admin  # noqa: E402
import emulator_api  # noqa: E402
import emulator_faults  # noqa: E402
import emulator_pki  # noqa: E402
import emulator_signaling  # noqa: E402
import emulator_sigv4  # noqa: E402
import emulator_turn  # noqa: E402


class Stats:
    def __init__(self):
        self.values = {}

    def count(self, group, key, amount=1):
        bucket = self.values.setdefault(group, {})
        bucket[key] = bucket.get(key, 0) + amount


class Listener:
    """One listening TCP socket that can be closed and reopened on the same port, so that
    "refuse connections" is a real connection refusal (RST to SYN) while established
    connections live on."""

    def __init__(self, name, runner, ssl_context, port):
        self.name = name
        self.runner = runner
        self.ssl_context = ssl_context
        self.port = port
        self.server = None
        self.reopened = asyncio.Event()
        self.reopen_handle = None

    async def open(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        sock.listen(128)
        sock.setblocking(False)
        self.server = await asyncio.get_running_loop().create_server(
            self.runner.server, sock=sock, ssl=self.ssl_context)
        self.reopened.set()

    def refuse(self, seconds):
        if self.server is not None:
            self.server.close()
            self.server = None
        self.reopened = asyncio.Event()
        if self.reopen_handle is not None:
            self.reopen_handle.cancel()
        loop = asyncio.get_running_loop()
        self.reopen_handle = loop.call_later(seconds, lambda: loop.create_task(self.open()))

    def close(self):
        if self.reopen_handle is not None:
            self.reopen_handle.cancel()
        if self.server is not None:
            self.server.close()
            self.server = None


class Emulator:
    def __init__(self, options, directory):
        self.options = options
        self.directory = directory
        self.region = options.region
        self.account = options.account
        self.clock_offset = options.clock_offset
        self.ice_ttl = options.ice_ttl
        self.stats = Stats()
        self.channels = {}
        self.hub = emulator_signaling.Hub(self.stats)
        self.faults = emulator_faults.HTTPFaults(self.stats)
        self.turn = None
        self.listeners = {}
        self.unavailable_until = 0.0   # 503 mode of "refuse"
        self.storage_sessions = set()  # channel ARNs with a joined storage session
        credentials = {}
        for spec in options.credential or ["AKIDEXAMPLE,wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"]:
            parts = spec.split(",")
            if len(parts) not in (2, 3):
                raise SystemExit("--credential takes ACCESS,SECRET[,TOKEN]")
            credentials[parts[0]] = (parts[1], parts[2] if len(parts) == 3 else None)
        self.verifier = emulator_sigv4.Verifier(credentials, self.region, self.now)
        for name in options.channel or []:
            self.create_channel(name, 60)
        for arn in options.storage_stream or []:
            for channel in self.channels.values():
                channel.storage_stream_arn = arn

    def now(self):
        return time.time() + self.clock_offset

    def create_channel(self, name, ttl):
        created = self.now()
        arn = "arn:aws:kinesisvideo:%s:%s:channel/%s/%d" % (self.region, self.account, name, int(created * 1000))
        channel = emulator_signaling.Channel(name, arn, ttl, created)
        channel.creating_describes = self.options.creating_describes
        self.channels[name] = channel
        return channel

    def channel_by_arn(self, arn):
        for channel in self.channels.values():
            if channel.arn == arn:
                return channel
        return None

    def endpoint(self, scheme):
        return "%s://127.0.0.1:%d" % (scheme, self.listeners["signaling"].port)

    async def start(self):
        paths = emulator_pki.create(self.directory)
        self.ca_path = paths["ca.pem"]
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(paths["server.pem"], paths["server.key"])
        if not self.options.no_turn:
            tls = (paths["server.pem"], paths["server.key"]) if self.options.turn_tls else None
            self.turn = emulator_turn.Coturn(self.directory, tls=tls)
            self.turn.wait_ready()
        apps = {
            "control": (emulator_api.control_plane_app(self), context, self.options.control_port),
            "signaling": (emulator_api.signaling_app(self), context, self.options.signaling_port),
            "admin": (emulator_admin.admin_app(self), None, self.options.admin_port),
        }
        for name, (app, ssl_context, port) in apps.items():
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await runner.setup()
            listener = Listener(name, runner, ssl_context, port)
            await listener.open()
            self.listeners[name] = listener

    def describe(self):
        control = "https://127.0.0.1:%d" % self.listeners["control"].port
        return {
            "pid": os.getpid(),
            "controlPlaneEndpoint": control,
            "signalingEndpoint": self.endpoint("wss"),
            "signalingHTTPSEndpoint": self.endpoint("https"),
            "adminURL": "http://127.0.0.1:%d" % self.listeners["admin"].port,
            "controlPort": self.listeners["control"].port,
            "signalingPort": self.listeners["signaling"].port,
            "adminPort": self.listeners["admin"].port,
            "caCertificate": self.ca_path,
            "directory": self.directory,
            "region": self.region,
            "accountId": self.account,
            "channels": [{"name": c.name, "arn": c.arn} for c in self.channels.values()],
            "turn": None if self.turn is None else {"port": self.turn.port, "pid": self.turn.pid,
                                                    "uris": self.turn.uris()},
        }

    async def shutdown(self):
        for listener in self.listeners.values():
            listener.close()
        for channel in self.channels.values():
            sockets = [channel.master] + list(channel.viewers.values())
            for ws in sockets:
                if ws is not None and not ws.closed:
                    await ws.close(code=1001, message=b"emulator stopping")
        for listener in self.listeners.values():
            await listener.runner.cleanup()
        if self.turn is not None:
            self.turn.stop()


def parse_options(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--control-port", type=int, default=0, help="control-plane HTTPS port (0: any free)")
    parser.add_argument("--signaling-port", type=int, default=0, help="signaling HTTPS/WSS port (0: any free)")
    parser.add_argument("--admin-port", type=int, default=0, help="admin plain-HTTP port (0: any free)")
    parser.add_argument("--region", default="us-west-2")
    parser.add_argument("--account", default="123456789012")
    parser.add_argument("--credential", action="append",
                        help="ACCESS,SECRET[,TOKEN] accepted for SigV4 (repeatable); a token, when given, "
                             "is required on every request")
    parser.add_argument("--channel", action="append", help="pre-create a channel with this name (repeatable)")
    parser.add_argument("--storage-stream", action="append",
                        help="stream ARN: enables media storage on the pre-created channels")
    parser.add_argument("--creating-describes", type=int, default=0,
                        help="DescribeSignalingChannel reports CREATING this many times after a create")
    parser.add_argument("--max-viewers", type=int, default=emulator_signaling.MAX_VIEWERS,
                        help="concurrent viewers per channel (KVS quota: 10)")
    parser.add_argument("--clock-offset", type=float, default=0.0, help="seconds added to the emulator's clock")
    parser.add_argument("--ice-ttl", type=int, default=300, help="GetIceServerConfig Ttl in seconds")
    parser.add_argument("--no-turn", action="store_true", help="do not start coturn")
    parser.add_argument("--turn-tls", action="store_true",
                        help="coturn also takes TURN over TLS (certificate of the test CA); GetIceServerConfig "
                             "then lists a turns: URI last")
    parser.add_argument("--directory", help="directory for certificates and logs (default: a new temp dir, "
                                            "removed on exit)")
    return parser.parse_args(argv)


async def serve(options):
    owned = options.directory is None
    directory = tempfile.mkdtemp(prefix="kvs-emulator-") if owned else options.directory
    emulator = Emulator(options, directory)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await emulator.start()
        sys.stdout.write(json.dumps(emulator.describe()) + "\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await emulator.shutdown()
        if owned:
            shutil.rmtree(directory, ignore_errors=True)


def main():
    options = parse_options(sys.argv[1:])
    try:
        asyncio.run(serve(options))
    except (emulator_pki.PKIError, emulator_turn.TURNError) as error:
        sys.stderr.write("kvs_emulator: %s\n" % error)
        sys.exit(4)


if __name__ == "__main__":
    main()
