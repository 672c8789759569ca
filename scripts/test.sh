#!/usr/bin/env bash
# Installs everything the tests need, builds kvsmaster with and without the GStreamer trait and as the
# fully static binary (cross/build-static.sh), the aarch64 and armv7 C sysroots (cross/build-sysroot.sh),
# and runs the whole test suite (unit, vector,
# robustness, smoke and GStreamer conformance tests).
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

bash scripts/install-deps.sh --test
find_swift

[ -d "$REPO_ROOT/../shared/fixtures/sdp" ] \
    || die "the shared fixtures are missing: expected $REPO_ROOT/../shared/fixtures/sdp (clone the repository next to 'shared')"

say "building without the GStreamer trait (the static-binary configuration)"
swift_quiet build --disable-default-traits --scratch-path .build-nogst --product kvsmaster \
    || die "the build without the GStreamer trait failed"
.build-nogst/debug/kvsmaster --version

say "building the fully static binary (cross/build-static.sh; its dependencies are cached in .build-static)"
bash cross/build-static.sh || die "the static build failed"

# The C dependency sysroots of the camera-board targets, each verified with a probe under
# qemu-user (CrossBuildTests checks them again). The Swift cross build needs a Swift SDK for the
# target and is not part of the suite; see cross/README.md.
for arch in aarch64 armv7; do
    say "building the $arch sysroot (cross/build-sysroot.sh; cached in .build-cross/$arch)"
    bash cross/build-sysroot.sh "$arch" || die "the $arch sysroot failed"
done

say "building the test suite"
swift_quiet build --build-tests || die "the build failed"
say "running the test suite"
# Serially: usrsctp is process-global and, without its own threads, not thread-safe (the daemon
# calls it from its one loop thread), and several suites start real peers whose timing should not
# depend on what else the test process is doing.
swift_quiet test --skip-build --no-parallel
