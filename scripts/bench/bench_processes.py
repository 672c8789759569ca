"""Processes of the daemon benchmark (scripts/bench/daemon_bench.py): the KVS emulator, the
kvsmaster daemon with what /proc and its log tell about it, and aiortc viewers. Every process is
started through `Processes`, which stops them all by PID."""
import datetime
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EMULATOR = os.path.join(REPO, "Tests/Support/KVSEmulator/kvs_emulator.py")
VIEWER = os.path.join(REPO, "Tests/Support/Daemon/kvs_viewer.py")
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
CHANNEL = "bench"
FIRST_PACKET = re.compile(r"viewer (\S+): first video packet (\d+) ms after the offer")
# Join milestones, timed by the log lines' own timestamps (millisecond resolution).
MILESTONES = [
    ("offer", re.compile(r"^(\S+) .*SDP offer received from (\S+)")),
    ("pair", re.compile(r"^(\S+) .*viewer (\S+): selected pair")),
    ("dtls", re.compile(r"^(\S+) .*viewer (\S+): DTLS connected")),
    ("video", re.compile(r"^(\S+) .*viewer (\S+): first video packet")),
]
STATUS_SENT = re.compile(r"viewer (\S+): connected.*?, sent (\d+) B")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def say(text):
    sys.stderr.write("\033[1m--> %s\033[0m\n" % text)
    sys.stderr.flush()


# MARK: Processes

class Processes:
    """Every child process, so that one cleanup stops them all by PID."""

    def __init__(self):
        self.children = []
        self.extra_pids = []

    def start(self, argv, **kwargs):
        process = subprocess.Popen(argv, **kwargs)
        self.children.append(process)
        return process

    def stop(self, process, grace=3.0):
        if process.poll() is None:
            try:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process in self.children:
            self.children.remove(process)

    def stop_all(self):
        for process in reversed(list(self.children)):
            self.stop(process, grace=2.0)
        # coturn normally dies with the emulator; kill it only if it is still there as itself.
        for pid in self.extra_pids:
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    if b"turnserver" in f.read():
                        os.kill(pid, signal.SIGKILL)
            except (FileNotFoundError, ProcessLookupError):
                pass
        self.extra_pids = []


def read_line(stream, timeout):
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if ready else ""


def http_json(url, timeout=40):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read().decode())


class Emulator:
    def __init__(self, processes, directory):
        self.processes = processes
        log = open(os.path.join(directory, "emulator.stderr"), "wb")
        os.makedirs(os.path.join(directory, "emulator"))
        self.process = processes.start(
            ["/usr/bin/python3", EMULATOR, "--directory", os.path.join(directory, "emulator"), "--channel", CHANNEL],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True)
        line = read_line(self.process.stdout, 30)
        if not line:
            log.flush()
            with open(log.name, errors="replace") as f:
                raise BenchError("the KVS emulator printed no endpoints within 30 s:\n" + f.read()[-3000:])
        self.info = json.loads(line)
        if self.info.get("turn"):
            processes.extra_pids.append(self.info["turn"]["pid"])

    def wait_master(self, connected=True, timeout=30):
        url = "%s/master/wait?connected=%d&timeout=%d" % (self.info["adminURL"], int(connected), timeout)
        try:
            http_json(url, timeout=timeout + 5)
        except Exception as error:
            raise BenchError("the daemon did not %s the emulator's signaling within %d s: %s" % (
                "connect to" if connected else "disconnect from", timeout, error))


class Daemon:
    def __init__(self, processes, binary, arguments, emulator, directory, name):
        self.log_path = os.path.join(directory, "%s.stderr" % name)
        state = os.path.join(directory, "%s-state" % name)
        os.makedirs(state, exist_ok=True)
        environment = dict(os.environ)
        environment.update({
            "CONTROL_PLANE_URI": emulator.info["controlPlaneEndpoint"],
            "AWS_KVS_CACERT_PATH": emulator.info["caCertificate"],
            "AWS_DEFAULT_REGION": emulator.info["region"],
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "KVSMASTER_ICE_ADDRESSES": "127.0.0.1",
            "STATE_DIRECTORY": state,
            "AWS_KVS_LOG_LEVEL": "3",
        })
        if emulator.info.get("turn"):
            environment["KVS_STUN_URI"] = "stun:127.0.0.1:%d" % emulator.info["turn"]["port"]
        self.processes = processes
        self.process = processes.start(
            [binary] + arguments, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.log_path, "wb"))
        self.pid = self.process.pid

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def check_alive(self):
        if self.process.poll() is not None:
            raise BenchError("the daemon exited with status %s:\n%s" % (self.process.returncode, self.log()[-3000:]))

    def memory(self):
        """VmRSS, RssAnon, VmHWM in KiB."""
        values = {}
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                    values[name] = int(rest.split()[0])
        return values

    def largest_mappings(self, count=6):
        """[(KiB, name)] of the mappings holding the most resident memory, grouped by file
        ("[anon]" for anonymous memory and the heap), from /proc/<pid>/smaps."""
        totals = {}
        name = "[anon]"
        with open("/proc/%d/smaps" % self.pid) as f:
            for line in f:
                head = line.split()
                if not head:
                    continue
                if "-" in head[0] and not head[0].endswith(":"):
                    name = os.path.basename(head[5]) if len(head) > 5 and head[5].startswith("/") else "[anon]"
                elif head[0] == "Rss:":
                    totals[name] = totals.get(name, 0) + int(head[1])
        return sorted(((kib, name) for name, kib in totals.items()), reverse=True)[:count]

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rpartition(")")[2].split()
        # fields[0] is the state (field 3): utime and stime are fields 14 and 15.
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def first_packet_latencies(self):
        return {m.group(1): int(m.group(2)) for m in FIRST_PACKET.finditer(self.log())}

    def milestones(self):
        """{client: {"offer"|"pair"|"dtls"|"video": seconds}} from the log lines' timestamps."""
        found = {}
        for line in self.log().splitlines():
            for name, pattern in MILESTONES:
                match = pattern.search(line)
                if match:
                    try:
                        moment = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
                    except ValueError:
                        continue
                    found.setdefault(match.group(2), {}).setdefault(name, moment)
        return found

    def sent_bitrates(self, since):
        """kbit/s each viewer was sent, from the byte counters of the status lines written after
        log offset `since` (first and last line of each viewer, 5 s apart or more)."""
        lines = self.log()[since:].splitlines()
        seen = {}
        for index, line in enumerate(lines):
            match = STATUS_SENT.search(line)
            if match:
                seen.setdefault(match.group(1), []).append((index, int(match.group(2))))
        return seen

    def stop(self, emulator=None):
        self.processes.stop(self.process, grace=5.0)
        if emulator is not None:
            # The next daemon's "connected" must not be this one's.
            try:
                emulator.wait_master(connected=False, timeout=10)
            except BenchError as error:
                say("warning: %s" % error)


class Viewer:
    """One kvs_viewer.py process; a thread keeps its latest stats line."""

    def __init__(self, processes, python, emulator, client_id, duration, decode, directory):
        self.client_id = client_id
        arguments = [python, VIEWER, "--admin", emulator.info["adminURL"], "--client-id", client_id,
                     "--duration", str(duration), "--messages", "0", "--timeout", "60"]
        if not decode:
            arguments.append("--no-decode")
        self.stderr_path = os.path.join(directory, "viewer-%s.stderr" % client_id)
        self.process = processes.start(arguments, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=open(self.stderr_path, "wb"), text=True)
        self.processes = processes
        self.latest = {}
        self.done = None
        self.history = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                if message.get("event") == "stats":
                    self.latest = message
                    self.history.append((time.monotonic(), message.get("video", 0)))
                elif message.get("event") == "done":
                    self.done = message
                elif message.get("event") == "error":
                    self.done = message

    def frames(self):
        with self.lock:
            return self.latest.get("video", 0)

    def fps_between(self, start, end):
        """Frame rate between the first stats line after `start` and the last one before `end`."""
        with self.lock:
            inside = [(t, count) for (t, count) in self.history if start <= t <= end]
        if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
            return 0.0
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])

    def failure(self):
        if self.process.poll() is not None and self.done is None:
            with open(self.stderr_path, errors="replace") as f:
                return "viewer %s exited (%s):\n%s" % (self.client_id, self.process.returncode, f.read()[-2000:])
        if self.done is not None and self.done.get("event") == "error":
            return "viewer %s: %s" % (self.client_id, self.done.get("message"))
        return None

    def stop(self):
        self.processes.stop(self.process, grace=3.0)


def wait_for(condition, timeout, what, check=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check:
            check()
        if condition():
            return
        time.sleep(0.2)
    raise BenchError("timed out after %d s waiting for %s" % (timeout, what))
