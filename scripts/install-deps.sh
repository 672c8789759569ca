#!/usr/bin/env bash
# Installs what kvsmaster needs to build and run on Debian 12 (run as root). Idempotent: packages
# already present are not downloaded again.
#   scripts/install-deps.sh          build + runtime dependencies
#   scripts/install-deps.sh --test   also the peers and tools the test suite uses
source "$(dirname "$0")/lib.sh"

WITH_TESTS=0
[ "${1:-}" = "--test" ] && WITH_TESTS=1

# C libraries (headers for the build) and GStreamer with the encoders the default sources use.
PACKAGES=(
    pkg-config gcc libc6-dev
    libssl-dev libsrtp2-dev libusrsctp-dev libwebsockets-dev libcurl4-openssl-dev zlib1g-dev
    libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
    gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
    gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
    ca-certificates
)
if [ "$WITH_TESTS" = 1 ]; then
    # botocore (Debian's python3) is the reference SigV4 signer and, with aiohttp, runs the local
    # KVS emulator; coturn is the real STUN/TURN server
    # of the interop tests; openssl makes their test certificates; iproute2/iptables build the
    # network namespaces of the NAT tests; chromium is the browser viewer (headless, in a
    # namespace); the GStreamer RTSP server (through python3-gi) feeds the rtspsrc tests.
    PACKAGES+=(python3 python3-venv python3-botocore python3-aiohttp coturn openssl curl iproute2 iptables
        chromium python3-gi gir1.2-gst-rtsp-server-1.0 gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0)
fi

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "these Debian packages are missing and installing them needs root: ${missing[*]}
  run this script as root (or: sudo apt-get install ${missing[*]})"
    command -v apt-get >/dev/null || die "apt-get not found: kvsmaster's scripts expect Debian 12. Install: ${missing[*]}"
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt_update
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install failed for: ${missing[*]}"
else
    say "Debian packages: all present"
fi

# Every library must be visible to pkg-config, or SwiftPM cannot find its headers.
for pc in openssl libsrtp2 usrsctp libwebsockets libcurl gstreamer-1.0 gstreamer-app-1.0 zlib; do
    pkg-config --exists "$pc" || die "pkg-config cannot find '$pc' even though its package is installed"
done

if [ "$WITH_TESTS" = 1 ]; then
    /usr/bin/python3 -c "import botocore.auth" 2>/dev/null || die "/usr/bin/python3 cannot import botocore (package python3-botocore)"
    [ -x /usr/bin/turnserver ] || die "coturn's turnserver is missing (package coturn)"
    # aiortc, the independent WebRTC peer of the interop tests, comes from PyPI into a virtual
    # environment inside the checkout (Debian's python3 refuses system-wide pip installs).
    VENV="$REPO_ROOT/.venv"
    AIORTC_VERSION=1.16.0
    if ! "$VENV/bin/python" -c "import aiortc, sys; sys.exit(aiortc.__version__ != '$AIORTC_VERSION')" 2>/dev/null; then
        say "installing aiortc $AIORTC_VERSION into $VENV"
        /usr/bin/python3 -m venv --system-site-packages "$VENV" || die "could not create $VENV (package python3-venv)"
        "$VENV/bin/pip" install -q --disable-pip-version-check "aiortc==$AIORTC_VERSION" \
            || die "pip could not install aiortc==$AIORTC_VERSION (is PyPI reachable?)"
    fi
    for element in x264enc x265enc opusenc vp8enc mulawenc pcapparse rtph264depay rtph265depay \
        rtpopusdepay rtpvp8depay rtppcmudepay avdec_h264 avdec_h265 opusdec vp8dec mulawdec; do
        gst-inspect-1.0 "$element" >/dev/null 2>&1 \
            || die "GStreamer element '$element' is missing (needed by the conformance tests)"
    done
fi

find_swift
say "toolchain: $(swift --version 2>/dev/null | head -n1)"
