#!/usr/bin/python3
"""Daemon benchmark: runs the kvsmaster binary against the local KVS emulator with aiortc viewers
and prints numbers (never pass/fail):

  * resident memory (VmRSS, RssAnon, VmHWM from /proc/<pid>/status) with signaling connected and
    no viewer, then with 1, 5 and 10 viewers each receiving ~2 Mbit/s H.264,
  * CPU seconds per minute (utime + stime from /proc/<pid>/stat) while streaming to 10 viewers,
  * offer received -> first video packet sent, from the daemon's log lines
    "first video packet N ms after the offer": while the viewer ladder joins, and over sequential
    single-viewer joins on a fresh daemon with no other load.

Two configurations: the GStreamer build encoding a test pattern itself (x264enc runs inside the
daemon, so its CPU counts too), and the build without GStreamer streaming pre-encoded sample
frames (the daemon's own cost alone). The viewers run aiortc from the checkout's .venv; they
count reassembled frames without decoding them unless --decode is given, so that ten of them
leave the daemon some CPU on a small host. Their frame rates and the host's idle CPU are printed
next to the numbers so a saturated host shows.

Every process started here (emulator, daemon, viewers) is stopped by PID and every temporary
folder removed, also on Ctrl-C.
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from bench_processes import CHANNEL, REPO, BenchError, Daemon, Emulator, Processes, Viewer, say, wait_for

WIDTH, HEIGHT, FPS, KBPS = 640, 480, 30, 2000
# A busy pattern: videotestsrc's "ball" (the daemon's built-in testsrc) is mostly black and
# encodes to ~130 kbit/s whatever the target; "smpte" keeps x264enc at its 2 Mbit/s target.
PATTERN = "smpte"


# MARK: Measurements

class HostCPU:
    """Idle share of the whole host between two readings of /proc/stat."""

    @staticmethod
    def read():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values), values[3] + values[4]

    def __init__(self):
        self.start = self.read()

    def idle_percent(self):
        total, idle = self.read()
        elapsed = total - self.start[0]
        return 100.0 * (idle - self.start[1]) / elapsed if elapsed else 0.0


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


def latency_summary(values):
    if not values:
        return "no samples"
    return "p50 %d ms, p90 %d ms, min %d ms, max %d ms (n=%d)" % (
        statistics.median_low(values), percentile(values, 0.9), min(values), max(values), len(values))


def bitrate_of(daemon, since, keys):
    rates = []
    for key, samples in daemon.sent_bitrates(since).items():
        if key not in keys or len(samples) < 2:
            continue
        # Status lines come every --stats-interval seconds; the first and last bound the window.
        (_, first), (_, last) = samples[0], samples[-1]
        intervals = len(samples) - 1
        rates.append((last - first) * 8 / (intervals * STATS_INTERVAL) / 1000)
    return rates


STATS_INTERVAL = 5


def run_configuration(name, binary, arguments, options, python, emulator, directory, processes):
    say("%s: starting the daemon" % name)
    results = {"name": name, "command": " ".join([os.path.relpath(binary, REPO)] + arguments), "steps": []}
    daemon = Daemon(processes, binary, arguments, emulator, directory, name)
    viewers = []
    try:
        emulator.wait_master()
        time.sleep(options.idle_settle)
        daemon.check_alive()
        results["idle"] = daemon.memory()
        results["idleMappings"] = daemon.largest_mappings()
        say("%s: idle %s" % (name, results["idle"]))
        for target in (1, 5, 10):
            while len(viewers) < target:
                viewers.append(Viewer(processes, python, emulator, "%s-%02d" % (name, len(viewers)), 100000,
                                      options.decode, directory))

            def check():
                daemon.check_alive()
                for viewer in viewers:
                    failure = viewer.failure()
                    if failure:
                        raise BenchError(failure)

            wait_for(lambda: all(v.frames() > 0 for v in viewers), 90, "%d viewer(s) to receive video" % target, check)
            if target == 10:
                # Past the joins' handshakes, so the window holds steady streaming only.
                time.sleep(options.settle)
                check()
            mark = len(daemon.log())
            host = HostCPU()
            window_start = time.monotonic()
            cpu_start = daemon.cpu_seconds()
            time.sleep(options.cpu_window if target == 10 else options.settle)
            check()
            window_end = time.monotonic()
            elapsed = window_end - window_start
            cpu = daemon.cpu_seconds() - cpu_start
            step = {
                "viewers": target,
                "memory": daemon.memory(),
                "fps": [v.fps_between(window_start, window_end) for v in viewers],
                "hostIdle": host.idle_percent(),
                "cpuPerMinute": cpu * 60.0 / elapsed,
                "window": elapsed,
                "kbps": bitrate_of(daemon, mark, {v.client_id for v in viewers}),
            }
            results["steps"].append(step)
            say("%s: %d viewer(s): %s, fps %s, host idle %.0f%%, CPU %.1f s/min" % (
                name, target, step["memory"], " ".join("%.0f" % f for f in step["fps"]), step["hostIdle"],
                step["cpuPerMinute"]))
        latencies = daemon.first_packet_latencies()
        results["ladderLatencies"] = [latencies[v.client_id] for v in viewers if v.client_id in latencies]
    finally:
        for viewer in viewers:
            viewer.stop()
        daemon.stop(emulator)

    if options.joins > 0:
        results["joinLatencies"], results["joinMilestones"] = sequential_joins(name, binary, arguments, options, python, emulator, directory,
                                                    processes)
    return results


def sequential_joins(name, binary, arguments, options, python, emulator, directory, processes):
    """A fresh daemon; one viewer at a time joins, receives video for a second and leaves."""
    say("%s: %d sequential single-viewer joins" % (name, options.joins))
    daemon = Daemon(processes, binary, arguments, emulator, directory, name + "-joins")
    try:
        emulator.wait_master()
        time.sleep(2)
        latencies = []
        for index in range(options.joins):
            client = "%s-join-%02d" % (name, index)
            viewer = Viewer(processes, python, emulator, client, 1, options.decode, directory)

            def check():
                daemon.check_alive()
                failure = viewer.failure()
                if failure:
                    raise BenchError(failure)

            try:
                wait_for(lambda: viewer.done is not None, 60, "viewer %s to receive video" % client, check)
                viewer.process.wait(timeout=15)
            finally:
                viewer.stop()
            wait_for(lambda: client in daemon.first_packet_latencies(), 10, "the first-packet line of " + client)
            latencies.append(daemon.first_packet_latencies()[client])
            # Let the daemon end the session before the next viewer, so each join has the host to itself.
            try:
                wait_for(lambda: ("viewer %s session ended" % client) in daemon.log(), 10, client + "'s session end")
            except BenchError:
                pass
        return latencies, daemon.milestones()
    finally:
        daemon.stop(emulator)


# MARK: Report

def mib(kib):
    return "%.1f" % (kib / 1024.0)


def breakdown(milestones):
    """Medians of the join phases, each from the offer line to the milestone's line."""
    parts = []
    for name, label in (("pair", "ICE pair selected"), ("dtls", "DTLS connected"), ("video", "first video packet")):
        values = [1000 * (m[name] - m["offer"]) for m in milestones.values() if "offer" in m and name in m]
        if values:
            parts.append("%s %d ms" % (label, statistics.median_low(values)))
    return ", ".join(parts)


def report(results, options, started):
    out = []
    out.append("")
    out.append("kvsmaster daemon benchmark, %s, %d CPUs, %s" % (
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)), os.cpu_count(), os.uname().release))
    out.append("viewers: aiortc, %s; %dx%d %d fps H.264 at %d kbit/s" % (
        "decoding" if options.decode else "counting reassembled frames (no decoding, --no-decode)", WIDTH, HEIGHT,
        FPS, KBPS))
    for result in results:
        out.append("")
        out.append("[%s] %s" % (result["name"], result["command"]))
        out.append("  %-9s %8s %8s %8s %10s %10s %14s %9s %9s" % (
            "viewers", "VmRSS", "RssAnon", "VmHWM", "+RSS/view", "sent kb/s", "viewer fps", "host idle",
            "CPU s/min"))
        idle = result["idle"]
        out.append("  %-9s %8s %8s %8s %10s %10s %14s %9s %9s" % (
            "0 (idle)", mib(idle["VmRSS"]), mib(idle.get("RssAnon", 0)), mib(idle["VmHWM"]), "", "", "", "", ""))
        previous = (0, idle["VmRSS"])
        for step in result["steps"]:
            extra = (step["memory"]["VmRSS"] - previous[1]) / (step["viewers"] - previous[0])
            previous = (step["viewers"], step["memory"]["VmRSS"])
            fps = step["fps"]
            kbps = step["kbps"]
            out.append("  %-9s %8s %8s %8s %10s %10s %14s %8.0f%% %9s" % (
                step["viewers"], mib(step["memory"]["VmRSS"]), mib(step["memory"].get("RssAnon", 0)),
                mib(step["memory"]["VmHWM"]), mib(extra),
                "%.0f" % statistics.median(kbps) if kbps else "-",
                "%.0f/%.0f/%.0f" % (min(fps), statistics.median(fps), max(fps)),
                step["hostIdle"], "%.1f" % step["cpuPerMinute"]))
        out.append("  largest resident mappings when idle (MiB): " + ", ".join(
            "%s %s" % (name, mib(kib)) for kib, name in result["idleMappings"]))
        ten = result["steps"][-1]
        out.append("  memory in MiB; +RSS/view = VmRSS growth per viewer added since the row above; sent kb/s = "
                   "median per viewer (transport bytes, status lines); viewer fps = min/median/max")
        out.append("  CPU with 10 viewers: %.1f CPU-seconds per minute (%.0f%% of one core, window %.0f s)" % (
            ten["cpuPerMinute"], ten["cpuPerMinute"] / 60 * 100, ten["window"]))
        ladder = result.get("ladderLatencies", [])
        out.append("  offer -> first video packet, ladder joins (1, +4, +5 at once): " + latency_summary(ladder))
        out.append("    in join order (ms): " + " ".join(str(v) for v in ladder))
        if "joinLatencies" in result:
            out.append("  offer -> first video packet, sequential single-viewer joins:  " +
                       latency_summary(result["joinLatencies"]))
            out.append("    p50 from the offer's log line to: " + breakdown(result["joinMilestones"]))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    sys.stdout.flush()
    return text


# MARK: Main

def make_sample_frames(directory, seconds):
    frames = os.path.join(directory, "frames")
    os.makedirs(frames)
    command = [
        "gst-launch-1.0", "-q", "videotestsrc", "num-buffers=%d" % (seconds * FPS), "pattern=%s" % PATTERN, "!",
        "video/x-raw,width=%d,height=%d,framerate=%d/1" % (WIDTH, HEIGHT, FPS), "!",
        "x264enc", "bitrate=%d" % KBPS, "tune=zerolatency", "speed-preset=veryfast", "key-int-max=60", "!",
        "video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au", "!",
        "multifilesink", "location=%s/frame-%%04d.h264" % frames,
    ]
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError("gst-launch-1.0 could not make sample frames: " + done.stderr[-2000:])
    size = sum(os.path.getsize(os.path.join(frames, f)) for f in os.listdir(frames))
    say("sample frames: %d files, %.0f kbit/s" % (len(os.listdir(frames)), size * 8 / seconds / 1000))
    return frames


def gstreamer_pipeline():
    return ("videotestsrc is-live=true pattern=%s ! video/x-raw,width=%d,height=%d,framerate=%d/1 ! videoconvert ! "
            "x264enc name=venc tune=zerolatency speed-preset=veryfast key-int-max=%d bitrate=%d ! "
            "video/x-h264,profile=constrained-baseline ! appsink name=video sync=false max-buffers=8 drop=true") % (
        PATTERN, WIDTH, HEIGHT, FPS, 2 * FPS, KBPS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gst-binary", default=os.path.join(REPO, ".build/release/kvsmaster"))
    parser.add_argument("--nogst-binary", default=os.path.join(REPO, ".build-nogst/release/kvsmaster"))
    parser.add_argument("--configurations", default="gstreamer,sample-frames",
                        help="comma-separated: gstreamer, gstreamer-testsrc, sample-frames")
    parser.add_argument("--python", default=os.path.join(REPO, ".venv/bin/python"), help="Python with aiortc")
    parser.add_argument("--joins", type=int, default=20, help="sequential single-viewer joins per configuration")
    parser.add_argument("--idle-settle", type=float, default=5.0, help="seconds after signaling connects")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds of streaming before sampling")
    parser.add_argument("--cpu-window", type=float, default=30.0, help="CPU measuring window with 10 viewers")
    parser.add_argument("--decode", action="store_true", help="viewers decode the video (heavier on the host)")
    parser.add_argument("--output", help="also write the table to this file")
    parser.add_argument("--keep", action="store_true", help="keep the folder of logs and frames (its path is printed)")
    options = parser.parse_args()

    chosen = [c for c in options.configurations.split(",") if c]
    processes = Processes()
    directory = tempfile.mkdtemp(prefix="kvs-daemon-bench-")
    started = time.time()

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    # Started in the background of a script, SIGINT arrives ignored; Ctrl-C must still stop the run.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if not os.access(options.python, os.X_OK):
            raise BenchError("%s is missing: run scripts/install-deps.sh --test (aiortc in .venv)" % options.python)
        common = ["--stats-interval", str(STATS_INTERVAL)]
        rates = ["--bitrate", str(KBPS), "--min-bitrate", str(KBPS), "--max-bitrate", str(KBPS)]
        plans = []
        for config in chosen:
            if config == "gstreamer":
                plans.append((config, options.gst_binary, [CHANNEL, "video-only", "--pipeline", gstreamer_pipeline(),
                                                           "--fps", str(FPS)] + rates + common))
            elif config == "gstreamer-testsrc":
                plans.append((config, options.gst_binary, [CHANNEL, "video-only", "testsrc", "--width", str(WIDTH),
                                                           "--height", str(HEIGHT), "--fps", str(FPS)] + rates + common))
            elif config == "sample-frames":
                frames = make_sample_frames(directory, 10)
                plans.append((config, options.nogst_binary, [CHANNEL, "video-only", "--sample-frames", frames,
                                                             "--fps", str(FPS)] + rates + common))
            else:
                raise BenchError("unknown configuration %r" % config)
        for _, binary, _ in plans:
            if not os.access(binary, os.X_OK):
                raise BenchError("%s is missing: scripts/bench-daemon.sh builds it" % binary)
        say("starting the KVS emulator")
        emulator = Emulator(processes, directory)
        results = []
        for name, binary, arguments in plans:
            results.append(run_configuration(name, binary, arguments, options, options.python, emulator, directory,
                                             processes))
        text = report(results, options, started)
        if options.output:
            with open(options.output, "w") as f:
                f.write(text)
        say("done in %.0f s" % (time.time() - started))
        return 0
    except BenchError as error:
        sys.stderr.write("daemon benchmark: %s\n" % error)
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("daemon benchmark: interrupted, stopping everything it started\n")
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        processes.stop_all()
        if options.keep:
            say("logs kept in %s" % directory)
        else:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
