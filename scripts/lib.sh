# Shared helpers for the scripts in this folder. Source it; do not run it.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Finds a Swift 6.1+ toolchain: on PATH, or the usual install folders.
find_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin /usr/local/swift/usr/bin; do
            if [ -x "$dir/swift" ]; then export PATH="$PATH:$dir"; break; fi
        done
    fi
    command -v swift >/dev/null 2>&1 || die "no Swift toolchain found. kvsmaster needs Swift 6.1 or later:
  download the Debian 12 toolchain from https://www.swift.org/install/linux/, unpack it to /opt/swift
  (so that /opt/swift/usr/bin/swift exists) and run this command again."
    local version
    version="$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9]*\.[0-9]*\).*/\1/p' | head -n1)"
    case "$version" in
        6.[1-9]*|[7-9].*) ;;
        *) die "Swift $version found at $(command -v swift); kvsmaster needs Swift 6.1 or later." ;;
    esac
}

# Runs a swift command, hiding SwiftPM's harmless notes about pkg-config flags it drops
# (the shim headers define what those flags would have), and keeps the command's exit status.
swift_quiet() {
    local statuses
    set +e
    swift "$@" 2>&1 | grep --line-buffered -vE '^warning: prohibited flag'
    statuses=("${PIPESTATUS[@]}")
    set -e
    return "${statuses[0]}"
}

# apt-get update. A mirror that fails one index (seen: a foreign architecture's security index
# "File has unexpected size") is reported and tolerated: the installs that follow fail clearly if
# what they need is not there.
apt_update() {
    apt-get -o DPkg::Lock::Timeout=600 update -qq \
        || say "warning: apt-get update reported errors (above); continuing with the package lists it fetched"
}
