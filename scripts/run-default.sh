#!/usr/bin/env bash
# Installs the dependencies, builds kvsmaster (release), runs a quick self-check and then the default
# job, which needs no AWS account: `kvsmaster demo --local` streams GStreamer's test source (a moving
# ball and a tone) to browsers through its own signaling server and viewer page. It prints the URL
# to open and runs until Ctrl-C.
#
# Extra arguments go to kvsmaster, e.g. to watch from another machine (a token is then required and
# printed in the URL):   bash scripts/run-default.sh --listen 0.0.0.0:8080
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

bash scripts/install-deps.sh
find_swift
say "building kvsmaster (release)"
swift_quiet build -c release --product kvsmaster || die "the build failed"
[ -x .build/release/kvsmaster ] || die "the build did not produce .build/release/kvsmaster"
say "kvsmaster --version"
.build/release/kvsmaster --version
say "kvsmaster selfcheck (quick)"
.build/release/kvsmaster selfcheck --frames 30 || die "the self-check failed (see above); fix it before streaming"
say "kvsmaster demo --local: open the URL below in a browser (Ctrl-C stops)"
exec .build/release/kvsmaster demo --local --source testsrc "$@"
