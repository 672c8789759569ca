#!/usr/bin/env bash
# Daemon benchmark (numbers, never pass/fail): resident memory idle and with 1, 5 and 10 viewers at
# 2 Mbit/s H.264, CPU seconds per minute with 10 viewers, offer -> first video packet latency.
# Builds both release binaries (with and without GStreamer), then runs scripts/bench/daemon_bench.py
# against the local KVS emulator with aiortc viewers. Arguments go to daemon_bench.py (--help).
#   scripts/bench-daemon.sh                         both configurations, ~7 minutes
#   scripts/bench-daemon.sh --configurations sample-frames --joins 10
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

case " $* " in
    *" --help "*|*" -h "*) exec /usr/bin/python3 "$REPO_ROOT/scripts/bench/daemon_bench.py" --help ;;
esac

find_swift

# The test dependencies: the emulator (python3-aiohttp, python3-botocore, openssl, curl), its STUN
# server (coturn), the sample-frame encoder (GStreamer with x264enc) and the viewers (aiortc in .venv).
missing=()
/usr/bin/python3 -c "import aiohttp" 2>/dev/null || missing+=("python3-aiohttp")
/usr/bin/python3 -c "import botocore.auth" 2>/dev/null || missing+=("python3-botocore")
[ -x /usr/bin/turnserver ] || missing+=("coturn")
[ -x /usr/bin/openssl ] || missing+=("openssl")
[ -x /usr/bin/curl ] || missing+=("curl")
command -v gst-launch-1.0 >/dev/null 2>&1 || missing+=("gstreamer1.0-tools")
gst-inspect-1.0 x264enc >/dev/null 2>&1 || missing+=("gstreamer1.0-plugins-ugly (x264enc)")
"$REPO_ROOT/.venv/bin/python" -c "import aiortc" 2>/dev/null || missing+=("aiortc in $REPO_ROOT/.venv")
[ "${#missing[@]}" -eq 0 ] || die "the daemon benchmark needs the test dependencies, missing: ${missing[*]}
  run: bash scripts/install-deps.sh --test"

say "building release kvsmaster with GStreamer"
swift_quiet build -c release --product kvsmaster || die "the release build failed"
say "building release kvsmaster without GStreamer (.build-nogst)"
swift_quiet build -c release --product kvsmaster --disable-default-traits --scratch-path .build-nogst \
    || die "the release build without GStreamer failed"

say "running the daemon benchmark (about 7 minutes; Ctrl-C stops everything it started)"
exec /usr/bin/python3 "$REPO_ROOT/scripts/bench/daemon_bench.py" \
    --gst-binary "$REPO_ROOT/.build/release/kvsmaster" \
    --nogst-binary "$REPO_ROOT/.build-nogst/release/kvsmaster" "$@"
