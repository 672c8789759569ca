#!/usr/bin/env bash
# Installs the dependencies, builds kvsmaster (release) and runs its default job: a self-check that
# needs no AWS account. It captures H.264 from GStreamer's test source, packetizes it into RTP,
# protects every packet with SRTP and reports what it did, after checking every system library.
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

bash scripts/install-deps.sh
find_swift
say "building kvsmaster (release)"
swift_quiet build -c release --product kvsmaster || die "the build failed"
[ -x .build/release/kvsmaster ] || die "the build did not produce .build/release/kvsmaster"
say "kvsmaster --version"
.build/release/kvsmaster --version
say "kvsmaster selfcheck"
exec .build/release/kvsmaster selfcheck
