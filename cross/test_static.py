"""End-to-end check of the static kvsmaster (run by `cross/build-static.sh --test`).

The same scenario as Tests/KVSMasterTests/DaemonBinaryTests.swift, with the static binary: the
local KVS emulator (HTTPS/WSS on loopback with its own CA, coturn as STUN server), the daemon
streaming H.264 sample frames, and an aiortc viewer (Tests/Support/Daemon/kvs_viewer.py) that
must decode at least 60 frames in 3 s and exchange two data-channel messages; then SIGTERM must
stop the daemon with exit status 0. Also prints the daemon's idle RSS (signaling connected, no
viewer). Every process started here is stopped by PID on the way out.

usage: python3 cross/test_static.py BINARY
"""

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEM_PYTHON = "/usr/bin/python3"
VENV_PYTHON = os.path.join(ROOT, ".venv/bin/python")
ACCESS_KEY = "AKIDSTATICTEST000001"
SECRET_KEY = "staticBinaryTestSecretKey/DoNotLog000000"


class Failure(Exception):
    pass


class Child:
    """A process whose stdout lines arrive on a queue and whose stderr goes to a file."""

    def __init__(self, name, argv, directory, env=None, stdin=False):
        self.name = name
        self.stderr_path = os.path.join(directory, name + ".stderr")
        self.lines = queue.Queue()
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=stderr, env=env,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.process.stdout:
            self.lines.put(raw.decode(errors="replace").rstrip("\n"))
        self.lines.put(None)

    def next_line(self, timeout):
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def stderr_text(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def stop(self, grace=3.0):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise Failure(f"no VmRSS in /proc/{pid}/status")


def check_tools():
    missing = []
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        missing.append("python3")
    for module, package in (("aiohttp", "python3-aiohttp"), ("botocore", "python3-botocore")):
        if subprocess.run([SYSTEM_PYTHON, "-c", "import " + module], capture_output=True).returncode != 0:
            missing.append(package)
    if not os.access("/usr/bin/turnserver", os.X_OK):
        missing.append("coturn")
    if not os.access("/usr/bin/gst-launch-1.0", os.X_OK):
        missing.append("gstreamer1.0-tools (with gstreamer1.0-plugins-ugly for x264enc)")
    if not os.access(VENV_PYTHON, os.X_OK):
        missing.append(f"aiortc in {VENV_PYTHON}")
    if missing:
        raise Failure("missing for the end-to-end test: " + ", ".join(missing) + " (run: bash scripts/install-deps.sh --test)")


def run(binary, directory, children):
    check_tools()
    frames = os.path.join(directory, "frames")
    os.makedirs(frames)
    made = subprocess.run(
        ["/usr/bin/gst-launch-1.0", "-q", "videotestsrc", "num-buffers=90", "!",
         "video/x-raw,width=320,height=240,framerate=30/1", "!",
         "x264enc", "tune=zerolatency", "speed-preset=ultrafast", "key-int-max=30", "!",
         "video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au", "!",
         "multifilesink", f"location={frames}/frame-%04d.h264"], capture_output=True)
    if made.returncode != 0:
        raise Failure("gst-launch-1.0 could not make sample frames: " + made.stderr.decode(errors="replace"))

    emulator_dir = os.path.join(directory, "emulator")
    os.makedirs(emulator_dir)
    emulator = Child("emulator", [SYSTEM_PYTHON, os.path.join(ROOT, "Tests/Support/KVSEmulator/kvs_emulator.py"),
                                  "--directory", emulator_dir, "--channel", "camera",
                                  "--credential", f"{ACCESS_KEY},{SECRET_KEY}"], directory)
    children.append(emulator)
    line = emulator.next_line(20)
    if line is None:
        raise Failure("the KVS emulator printed no endpoints:\n" + emulator.stderr_text())
    info = json.loads(line)

    env = dict(os.environ)
    env.update({
        "CONTROL_PLANE_URI": info["controlPlaneEndpoint"],
        "AWS_KVS_CACERT_PATH": info["caCertificate"],
        "AWS_DEFAULT_REGION": info["region"],
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "KVSMASTER_ICE_ADDRESSES": "127.0.0.1",
        "AWS_KVS_LOG_LEVEL": "3",
        "STATE_DIRECTORY": directory,
    })
    if info.get("turn"):
        env["KVS_STUN_URI"] = f"stun:127.0.0.1:{info['turn']['port']}"
    daemon = Child("daemon", [binary, "camera", "video-only", "--sample-frames", frames, "--fps", "30",
                              "--data-channel-stdout", "--stats-interval", "1"], directory, env=env)
    children.append(daemon)
    if not wait_for(lambda: "signaling: connected" in daemon.stderr_text(), 20):
        raise Failure("the static daemon did not connect to signaling:\n" + daemon.stderr_text()[-3000:])
    time.sleep(2)  # let start-up allocations settle before the idle reading
    print(f"static daemon: idle VmRSS {vm_rss_kb(daemon.process.pid)} kB (signaling connected, no viewer)")

    viewer = Child("viewer", [VENV_PYTHON, os.path.join(ROOT, "Tests/Support/Daemon/kvs_viewer.py"),
                              "--admin", info["adminURL"], "--client-id", "viewer",
                              "--duration", "3", "--hold", "--messages", "2"], directory, stdin=True)
    children.append(viewer)
    done = None
    deadline = time.monotonic() + 60
    while done is None and time.monotonic() < deadline:
        line = viewer.next_line(max(0.1, deadline - time.monotonic()))
        if line is None:
            break
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") == "done":
            done = event
    if done is None:
        raise Failure("the viewer did not finish:\n" + viewer.stderr_text()[-2000:] + "\ndaemon:\n" + daemon.stderr_text()[-3000:])
    video = int(done.get("video", 0))
    print(f"static daemon: the viewer decoded {video} frames in 3 s, {done.get('replies')} data-channel replies")
    if video < 60:
        raise Failure(f"the viewer decoded only {video} frames (need 60):\n" + daemon.stderr_text()[-3000:])
    if done.get("replies") != 2:
        raise Failure(f"expected 2 data-channel replies, got {done.get('replies')}")
    for n in range(2):
        got = daemon.next_line(5)
        if got != f"viewer: hello {n} from viewer":
            raise Failure(f"daemon stdout line {n}: {got!r}")
    print(f"static daemon: VmRSS {vm_rss_kb(daemon.process.pid)} kB (one viewer streaming)")

    stopping = time.monotonic()
    daemon.process.send_signal(signal.SIGTERM)
    try:
        status = daemon.process.wait(5)
    except subprocess.TimeoutExpired:
        raise Failure("the static daemon did not exit within 5 s of SIGTERM")
    print(f"static daemon: exited {status} {time.monotonic() - stopping:.2f} s after SIGTERM with a viewer connected")
    if status != 0:
        raise Failure(f"exit status {status} after SIGTERM:\n" + daemon.stderr_text()[-2000:])
    log = daemon.stderr_text()
    if "SIGTERM received: stopping" not in log:
        raise Failure("the log lacks 'SIGTERM received: stopping'")
    if SECRET_KEY in log:
        raise Failure("the secret access key appears in the daemon's log")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    if not os.access(binary, os.X_OK):
        sys.exit(f"error: {binary} is missing: run cross/build-static.sh first")
    children = []
    with tempfile.TemporaryDirectory(prefix="kvs-static-e2e-") as directory:
        try:
            run(binary, directory, children)
        except Failure as failure:
            print(f"FAIL: {failure}", file=sys.stderr)
            sys.exit(1)
        finally:
            for child in reversed(children):
                child.stop()
    print("PASS: the static binary streamed to an aiortc viewer through the KVS emulator and stopped on SIGTERM")


if __name__ == "__main__":
    main()
