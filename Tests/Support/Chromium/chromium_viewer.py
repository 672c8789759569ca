"""Headless Chromium as the offering viewer of the PeerConnection interop tests.

Run with /usr/bin/python3 (python3-aiohttp) inside the test's network namespace
(`ip netns exec <ns> /usr/bin/python3 chromium_viewer.py ...`): Chromium ignores loopback
candidates, so it gathers on the namespace's veth address.

The script starts Chromium headless with a DevTools port, loads viewer.html (copied with
viewer.js into a temp dir, over file://) and drives it over the DevTools protocol. The page
creates an RTCPeerConnection (iceServers: []) with a data channel "viewer", and with --video /
--audio recvonly transceivers (H.264 first with --h264). JSON lines on stdout:

  {"type": "offer", "sdp": ...}                  at once with --trickle, else after gathering
  {"type": "candidate", "candidate": ..., "sdpMid": ..., "sdpMLineIndex": ...}   (--trickle)
  {"type": "endOfCandidates"}                                                    (--trickle)
  {"event": "connectionState", "state": ..., "t": ...}
  {"event": "open", "t": ...}                    then --messages messages are sent
  {"event": "received", "count": n, "ok": bool, "errors": [...]}
  {"event": "stats", "framesDecoded": n, "frameWidth": w, "frameHeight": h, "bytesReceived": b,
   "packetsLost": l, "nackCount": k, "candidatePair": {"local": {...}, "remote": {...}}}  (--video)
  {"event": "screenshot", "path": ...}           (--screenshot, once frames are decoded)
  {"event": "done", "state": ...}

and reads from stdin:

  {"type": "answer", "sdp": ...}
  {"type": "candidate", "candidate": "candidate:...", "sdpMid": ...}   (no candidate: end)
  {"type": "screenshot", "path": ...}
  {"type": "evaluate", "expression": ...}   -> {"event": "evaluated", "value": ...}
  {"type": "close"}

It exits (killing Chromium, removing the temp dir) on "close", on stdin EOF, on SIGTERM or
after --timeout seconds.

--url URL instead opens that page (kvsmaster --local's viewer page, which signals by itself)
and only watches it: every --stats-interval it reads the page's window.kvsmasterStats() and
emits {"event": "stats", ...its fields...}; with --screenshot, once framesDecoded reaches
--screenshot-after it captures the page and emits {"event": "screenshot", "path": ...,
"rect": {"x", "y", "width", "height", "dpr"}} (the --video-element's box in CSS pixels).
"""

import argparse
import asyncio
import base64
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# Processes started from Swift test threads inherit a signal mask with SIGTERM blocked.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

import aiohttp  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>kvs viewer</title>
<style>html,body{margin:0;height:100%;overflow:hidden;background:#000}
video{width:100vw;height:100vh;object-fit:contain;display:block}</style></head>
<body><video id="video" autoplay muted playsinline></video><script src="viewer.js"></script></body></html>
"""


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def log(text):
    sys.stderr.write("%.3f %s\n" % (time.monotonic(), text))
    sys.stderr.flush()


def die_with_parent():
    """Chromium gets SIGKILL when this script dies, even by SIGKILL (prctl PR_SET_PDEATHSIG)."""
    os.setsid()
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


class Browser:
    """A headless Chromium in its own process group with a throwaway profile."""

    def __init__(self, args, directory):
        self.directory = directory
        self.profile = os.path.join(directory, "profile")
        command = [
            args.chromium,
            "--headless=new",
            "--no-sandbox",
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            "--user-data-dir=" + self.profile,
            "--use-fake-ui-for-media-stream",
            "--autoplay-policy=no-user-gesture-required",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--mute-audio",
            "--password-store=basic",
            "--use-mock-keychain",
            "--allow-file-access-from-files",
            # Host candidates with the veth address, not mDNS names the master cannot resolve.
            "--disable-features=WebRtcHideLocalIpsWithMdns,MediaRouter,OptimizationHints,Translate",
            "--window-size=" + args.window_size,
            args.url or ("file://" + os.path.join(directory, "viewer.html")),
        ]
        self.log = open(os.path.join(directory, "chromium.log"), "wb")
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, preexec_fn=die_with_parent)
        log("chromium pid %d" % self.process.pid)

    async def devtools_port(self, timeout):
        path = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("chromium exited with %s; its log:\n%s" % (self.process.returncode, self.log_tail()))
            try:
                with open(path) as f:
                    first = f.readline().strip()
                if first:
                    return int(first)
            except (FileNotFoundError, ValueError):
                pass
            await asyncio.sleep(0.05)
        raise RuntimeError("no DevToolsActivePort after %.0f s; chromium log:\n%s" % (timeout, self.log_tail()))

    def log_tail(self):
        try:
            with open(os.path.join(self.directory, "chromium.log"), "rb") as f:
                return f.read()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        self.log.close()


class DevTools:
    """One page's DevTools websocket: commands by id, events to a callback."""

    def __init__(self, ws, on_event):
        self.ws = ws
        self.on_event = on_event
        self.next_id = 0
        self.pending = {}

    async def call(self, method, **params):
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self.ws.send_str(json.dumps({"id": self.next_id, "method": method, "params": params}))
        reply = await future
        if "error" in reply:
            raise RuntimeError("%s: %s" % (method, reply["error"]))
        return reply.get("result", {})

    async def evaluate(self, expression):
        result = await self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise RuntimeError("page exception in %s: %s" % (expression[:60], text))
        return result.get("result", {}).get("value")

    async def run(self):
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            if "id" in data:
                future = self.pending.pop(data["id"], None)
                if future and not future.done():
                    future.set_result(data)
            else:
                self.on_event(data.get("method"), data.get("params", {}))
        for future in self.pending.values():
            if not future.done():
                future.set_exception(RuntimeError("DevTools connection closed"))


class Viewer:
    def __init__(self, args):
        self.args = args
        self.done = asyncio.Event()
        self.devtools = None
        self.screenshot_taken = False
        self.tasks = set()

    def spawn(self, coroutine):
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def on_event(self, method, params):
        if method == "Runtime.bindingCalled" and params.get("name") == "kvsEmit":
            message = json.loads(params["payload"])
            if message.get("event") == "log":
                log("page: " + message.get("text", ""))
                return
            emit(message)
            if message.get("event") == "stats" and self.args.screenshot and not self.screenshot_taken:
                if message.get("framesDecoded", 0) >= self.args.screenshot_after:
                    self.screenshot_taken = True
                    self.spawn(self.screenshot(self.args.screenshot))
        elif method == "Runtime.consoleAPICalled":
            texts = [str(a.get("value", a.get("description", ""))) for a in params.get("args", [])]
            log("console.%s: %s" % (params.get("type"), " ".join(texts)))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            log("page exception: %s" % (details.get("exception", {}).get("description") or details.get("text")))

    async def screenshot(self, path):
        try:
            result = await self.devtools.call("Page.captureScreenshot", format="png")
            with open(path, "wb") as f:
                f.write(base64.b64decode(result["data"]))
            emit({"event": "screenshot", "path": path})
        except Exception as error:  # reported, not fatal: the session goes on
            emit({"event": "screenshot", "path": path, "error": str(error)})

    async def handle(self, message):
        kind = message.get("type")
        if kind == "answer":
            await self.devtools.evaluate("kvsAnswer(%s)" % json.dumps(message["sdp"]))
        elif kind == "candidate":
            candidate = {"candidate": message.get("candidate") or "", "sdpMid": message.get("sdpMid"),
                         "sdpMLineIndex": message.get("sdpMLineIndex")}
            if candidate["sdpMid"] is None and candidate["sdpMLineIndex"] is None:
                candidate["sdpMLineIndex"] = 0
            await self.devtools.evaluate("kvsCandidate(%s)" % json.dumps(candidate))
        elif kind == "endOfCandidates":
            await self.devtools.evaluate("kvsCandidate(null)")
        elif kind == "screenshot":
            await self.screenshot(message["path"])
        elif kind == "evaluate":
            emit({"event": "evaluated", "value": await self.devtools.evaluate(message["expression"])})
        elif kind == "close":
            self.done.set()
        else:
            log("unknown input: %r" % message)

    async def read_stdin(self):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=1 << 20)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                log("stdin closed")
                self.done.set()
                return
            if not line.strip():
                continue
            try:
                await self.handle(json.loads(line))
            except Exception as error:
                log("input %r failed: %s" % (line[:200], error))
                emit({"event": "error", "text": str(error)})

    async def run(self, browser):
        port = await browser.devtools_port(15)
        async with aiohttp.ClientSession() as session:
            page = None
            deadline = time.monotonic() + 10
            while page is None and time.monotonic() < deadline:
                async with session.get("http://127.0.0.1:%d/json/list" % port) as response:
                    targets = await response.json(content_type=None)
                scheme = "http" if self.args.url else "file:"
                page = next((t for t in targets if t.get("type") == "page" and t.get("url", "").startswith(scheme)), None)
                if page is None:
                    await asyncio.sleep(0.05)
            if page is None:
                raise RuntimeError("no page target in %r" % targets)
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                self.devtools = DevTools(ws, self.on_event)
                self.spawn(self.devtools.run())
                await self.devtools.call("Runtime.enable")
                await self.devtools.call("Page.enable")
                if self.args.url:
                    await self.watch_url_page()
                    return
                await self.devtools.call("Runtime.addBinding", name="kvsEmit")
                # The page may still be loading its script.
                while await self.devtools.evaluate("typeof kvsStart") != "function":
                    await asyncio.sleep(0.05)
                options = {"trickle": self.args.trickle, "video": self.args.video, "audio": self.args.audio,
                           "h264": self.args.h264, "messages": self.args.messages,
                           "statsInterval": int(self.args.stats_interval * 1000)}
                self.spawn(self.read_stdin())
                await self.devtools.evaluate("kvsStart(%s)" % json.dumps(options))
                try:
                    await asyncio.wait_for(self.done.wait(), self.args.timeout)
                except asyncio.TimeoutError:
                    log("timeout after %.0f s" % self.args.timeout)
                    await self.devtools.evaluate("kvsReport()")
                state = await self.devtools.evaluate("kvsClose()")
                emit({"event": "done", "state": state})


    async def watch_url_page(self):
        """--url: the page runs by itself; report its kvsmasterStats() and take the screenshot."""
        self.spawn(self.read_stdin())
        deadline = time.monotonic() + self.args.timeout
        while not self.done.is_set() and time.monotonic() < deadline:
            stats = await self.devtools.evaluate(
                "typeof window.kvsmasterStats === 'function' ? JSON.stringify(window.kvsmasterStats()) : null")
            if stats:
                message = dict(json.loads(stats), event="stats", t=time.monotonic())
                emit(message)
                if (self.args.screenshot and not self.screenshot_taken
                        and message.get("framesDecoded", 0) >= self.args.screenshot_after):
                    self.screenshot_taken = True
                    rect = await self.devtools.evaluate(
                        "JSON.stringify((() => { const r = document.getElementById(%s).getBoundingClientRect();"
                        " return {x: r.x, y: r.y, width: r.width, height: r.height, dpr: window.devicePixelRatio}; })())"
                        % json.dumps(self.args.video_element))
                    result = await self.devtools.call("Page.captureScreenshot", format="png")
                    with open(self.args.screenshot, "wb") as f:
                        f.write(base64.b64decode(result["data"]))
                    emit({"event": "screenshot", "path": self.args.screenshot, "rect": json.loads(rect)})
            try:
                await asyncio.wait_for(self.done.wait(), self.args.stats_interval)
            except asyncio.TimeoutError:
                pass
        emit({"event": "done", "state": "url"})


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trickle", action="store_true")
    parser.add_argument("--video", action="store_true")
    parser.add_argument("--audio", action="store_true")
    parser.add_argument("--h264", action="store_true", help="H.264 first via setCodecPreferences")
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--stats-interval", type=float, default=1.0)
    parser.add_argument("--screenshot", help="PNG of the page once frames are decoded")
    parser.add_argument("--screenshot-after", type=int, default=30, help="frames decoded before the screenshot")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--url", help="open this page instead of the built-in viewer and watch its kvsmasterStats()")
    parser.add_argument("--video-element", default="video", help="--url: the id of the video element to locate")
    parser.add_argument("--window-size", default="640,480")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="kvs-chromium-")
    shutil.copy(os.path.join(HERE, "viewer.js"), os.path.join(directory, "viewer.js"))
    with open(os.path.join(directory, "viewer.html"), "w") as f:
        f.write(PAGE)
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, main_task.cancel)
    browser = Browser(args, directory)
    viewer = Viewer(args)
    status = 0
    try:
        await viewer.run(browser)
    except asyncio.CancelledError:
        log("stopped by signal")
    except Exception as error:
        log("failed: %s" % error)
        emit({"event": "error", "text": str(error)})
        status = 1
    finally:
        for task in list(viewer.tasks):
            task.cancel()
        browser.stop()
        shutil.rmtree(directory, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
