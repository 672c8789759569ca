#!/usr/bin/env bash
# Runs libFuzzer on one of kvsmaster's parsers.
#   scripts/fuzz.sh <target> [libFuzzer options…]     e.g. scripts/fuzz.sh stun -max_total_time=300
# Targets: stun sdp rtp rtcp annexb depacketizer signaling rest wsurl ice turn dcep dtls. The corpus lives in fuzz/corpus-<target>/ (ignored by
# git); crashes are written to fuzz/ as crash-<hash>. Replay one with:
#   swift run kvsfuzz <target> fuzz/crash-<hash>
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
target="${1:-}"
[ -n "$target" ] || die "usage: scripts/fuzz.sh <target> [libFuzzer options]   (targets: stun sdp rtp rtcp annexb depacketizer signaling rest wsurl ice turn dcep dtls)"
shift
find_swift
say "building kvsfuzz with -sanitize=fuzzer,address"
swift_quiet build -c release --scratch-path .build-fuzz --product kvsfuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING \
    || die "the fuzz build failed"
mkdir -p "fuzz/corpus-$target"
say "fuzzing '$target' (Ctrl-C to stop)"
cd fuzz
KVS_FUZZ_TARGET="$target" exec ../.build-fuzz/release/kvsfuzz "corpus-$target" "$@"
