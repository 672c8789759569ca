"""coturn in TURN REST API mode (draft-uberti-rtcweb-turn-rest-00 §2.2): the emulator hands
out username `<expiry>:<client>` and password base64(HMAC-SHA1(secret, username))."""
import base64
import ctypes
import hashlib
import hmac
import os
import secrets
import signal
import socket
import struct
import subprocess
import time

TURNSERVER = "/usr/bin/turnserver"
REALM = "kvsmaster.test"
PR_SET_PDEATHSIG = 1


class TURNError(Exception):
    pass


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (coturn listens on both)."""
    for _ in range(50):
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.bind(("127.0.0.1", 0))
        port = tcp.getsockname()[1]
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            udp.close()
            tcp.close()
    raise TURNError("no free port for coturn")


def _die_with_parent():
    # Runs in the child between fork and exec: coturn gets SIGKILL when the emulator dies,
    # even by SIGKILL, so it never outlives the test that started the emulator.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


class Coturn:
    def __init__(self, directory, tls=None):
        """`tls`: (certificate, key) PEM paths; coturn then also takes TURN over TLS on a port
        of its own, listed last in uris() as a turns: URI."""
        if not os.access(TURNSERVER, os.X_OK):
            raise TURNError("%s is missing: install the Debian package 'coturn'" % TURNSERVER)
        self.directory = directory
        self.secret = secrets.token_hex(16)
        self.port = free_port()
        self.tls_port = free_port() if tls else None
        if tls:
            transport_options = ["--cert", tls[0], "--pkey", tls[1], "--tls-listening-port=%d" % self.tls_port]
        else:
            transport_options = ["--no-tls"]
        self.log_path = os.path.join(directory, "turnserver.log")
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [TURNSERVER, "--use-auth-secret", "--static-auth-secret=" + self.secret, "--realm=" + REALM,
             "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port=%d" % self.port,
             "--allow-loopback-peers", "--no-cli", "--no-dtls"] + transport_options + [
             "--pidfile", os.path.join(directory, "turn.pid"), "--log-file", "stdout"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        log.close()

    @property
    def pid(self):
        return self.process.pid

    def wait_ready(self, limit=10.0):
        """Sends STUN Binding requests (RFC 8489 §6) until coturn answers one."""
        deadline = time.monotonic() + limit
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise TURNError("turnserver exited with %s:\n%s" % (self.process.returncode, self.log()))
                transaction = os.urandom(12)
                probe.sendto(struct.pack("!HHI", 0x0001, 0, 0x2112A442) + transaction, ("127.0.0.1", self.port))
                probe.settimeout(0.1)
                try:
                    reply, _ = probe.recvfrom(2048)
                except socket.timeout:
                    continue
                if len(reply) >= 20 and reply[8:20] == transaction:
                    return
        finally:
            probe.close()
        raise TURNError("turnserver did not answer within %.0f s:\n%s" % (limit, self.log()))

    def log(self):
        try:
            with open(self.log_path, "rb") as handle:
                return handle.read()[-4000:].decode(errors="replace")
        except OSError:
            return ""

    def credentials(self, client, ttl, now=None):
        """TURN REST credentials valid for `ttl` seconds of coturn's (the host's) clock."""
        expiry = int(now if now is not None else time.time()) + int(ttl)
        username = "%d:%s" % (expiry, client)
        mac = hmac.new(self.secret.encode(), username.encode(), hashlib.sha1).digest()
        return username, base64.b64encode(mac).decode()

    def uris(self):
        uris = ["turn:127.0.0.1:%d?transport=udp" % self.port, "turn:127.0.0.1:%d?transport=tcp" % self.port]
        if self.tls_port is not None:
            uris.append("turns:127.0.0.1:%d?transport=tcp" % self.tls_port)
        return uris

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
