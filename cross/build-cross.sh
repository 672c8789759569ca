#!/usr/bin/env bash
# Cross-compiles kvsmaster for a camera board (GStreamer trait off, like the static x86_64 build).
#   cross/build-cross.sh aarch64|armv7 [--static|--dynamic] [--swift-sdk ID] [--swift-sdks-path DIR]
#                        [--print-command]
#     --static          (the default) one static executable: static glibc, Swift runtime and the C
#                       archives of cross/build-sysroot.sh; nothing else needed on the board
#     --dynamic         linked against the sysroot's shared libraries: the board needs Debian 12's
#                       libraries and the Swift runtime of the SDK
#     --swift-sdk ID    the Swift SDK to use (default: the installed one for the target triple)
#     --swift-sdks-path DIR  where the SDKs are installed (SwiftPM's default: ~/.swiftpm/swift-sdks)
#     --print-command   print the environment and the swift build command, build nothing (works
#                       without an SDK, with a placeholder for its ID)
# It first runs cross/build-sysroot.sh for the target. It needs a Swift SDK (glibc, Debian 12) for
# the target triple made for exactly this Swift compiler; without one it exits with status 3 and
# says what to install. Output: .build-cross/<arch>/kvsmaster-<static|dynamic>[.stripped].
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

ARCH="" FLAVOUR=static SDK_ID="" PRINT_ONLY=0 SDKS_PATH=()
while [ $# -gt 0 ]; do
    case "$1" in
        --static) FLAVOUR=static ;;
        --dynamic) FLAVOUR=dynamic ;;
        --swift-sdk) [ $# -ge 2 ] || die "--swift-sdk needs an ID (see: swift sdk list)"; SDK_ID="$2"; shift ;;
        --swift-sdk=*) SDK_ID="${1#--swift-sdk=}" ;;
        --swift-sdks-path) [ $# -ge 2 ] || die "--swift-sdks-path needs a folder"; SDKS_PATH=(--swift-sdks-path "$2"); shift ;;
        --print-command) PRINT_ONLY=1 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        -*) die "unknown option '$1' (see: $0 --help)" ;;
        *) [ -z "$ARCH" ] || die "one target at a time (got '$ARCH' and '$1')"; ARCH="$1" ;;
    esac
    shift
done
cross_target "$ARCH"
EXIT_NO_SDK=3
SCRATCH="$CROSS_OUT/swift"
LIBDIR="$SYSROOT/usr/lib/$TRIPLET"

# MARK: The Swift SDK.
# The host compiler's version ("6.3.1"): an SDK must be made for exactly this one.
swift_version() {
    command -v swift >/dev/null 2>&1 || { echo "(no swift on PATH)"; return; }
    swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9][0-9.]*\).*/\1/p' | head -n1
}

# The IDs `swift sdk list` prints, one a line (none: "No Swift SDKs are currently installed.").
installed_sdks() {
    swift sdk list "${SDKS_PATH[@]}" 2>/dev/null | grep -vE '^(No Swift SDKs|\s*$)' || true
}

# True when SDK $1 has a configuration for target triple $2.
sdk_supports() {
    swift sdk configure "${SDKS_PATH[@]}" --show-configuration "$1" "$2" >/dev/null 2>&1
}

# What to install, and how, on a machine with internet access; then exit 3.
no_sdk() { # reason
    local version bundle
    version="$(swift_version)"
    bundle="${version}-RELEASE_debian_bookworm_$CROSS_ARCH"
    {
        echo "error: $1"
        echo
        echo "kvsmaster needs a Swift SDK for $SWIFT_TRIPLE (glibc, Debian 12 bookworm) made for exactly this"
        echo "compiler, Swift $version (swift --version). Installed SDKs (swift sdk list):"
        installed_sdks | sed 's/^/  /'
        [ -n "$(installed_sdks)" ] || echo "  (none)"
        echo
        echo "1. On a machine with internet access and the Swift $version toolchain (Linux or macOS), make"
        echo "   the SDK bundle with swift-sdk-generator (https://github.com/swiftlang/swift-sdk-generator):"
        echo "     git clone https://github.com/swiftlang/swift-sdk-generator && cd swift-sdk-generator"
        if [ "$CROSS_ARCH" = armv7 ]; then
            echo "     swift run swift-sdk-generator make-linux-sdk --swift-version ${version}-RELEASE \\"
            echo "         --distribution-name debian --distribution-version 12 --target $SWIFT_TRIPLE \\"
            echo "         --target-swift-package-path <unpacked armv7 Swift $version for Debian 12>"
            echo "   swift.org publishes Linux toolchains for x86_64 and aarch64 only, not for armv7: the"
            echo "   generator's default download of the target's Swift runtime has nothing to fetch. The"
            echo "   armv7 (armhf) runtime must come from a community build of exactly Swift $version"
            echo "   (for example the swift-embedded-linux project: github.com/swift-embedded-linux), passed"
            echo "   with --target-swift-package-path (the folder that holds its usr/), or a ready-made"
            echo "   armv7 SDK bundle from such a project, if it offers one for $version."
        else
            echo "     swift run swift-sdk-generator make-linux-sdk --swift-version ${version}-RELEASE \\"
            echo "         --distribution-name debian --distribution-version 12 --target $SWIFT_TRIPLE"
        fi
        echo "   The bundle is written to Bundles/ (its name, e.g. $bundle.artifactbundle,"
        echo "   is printed at the end). Pack it and note its checksum:"
        echo "     cd Bundles && tar czf $bundle.artifactbundle.tar.gz $bundle.artifactbundle"
        echo "     swift package compute-checksum $bundle.artifactbundle.tar.gz"
        echo "2. Copy the .tar.gz to this machine (scp, USB stick) and install it once, as the user who builds:"
        echo "     swift sdk install /path/to/$bundle.artifactbundle.tar.gz"
        echo "   (swift sdk install also takes an https:// URL of a bundle; then --checksum <sha256> is required)"
        echo "3. Check and rerun:"
        echo "     swift sdk list"
        echo "     swift sdk configure --show-configuration <ID> $SWIFT_TRIPLE"
        echo "     bash cross/build-cross.sh $CROSS_ARCH --$FLAVOUR [--swift-sdk <ID>]"
        if [ -n "$MUSL_TRIPLE" ]; then
            echo
            echo "Swift's static Linux SDK ($MUSL_TRIPLE, musl) is not used: it links against musl, and the C"
            echo "archives here are Debian's, built against glibc (they call glibc's fortify functions"
            echo "__memcpy_chk, __fprintf_chk, __longjmp_chk, ..., which musl does not have)."
            echo "See cross/README.md."
        fi
        echo
        echo "The C sysroot is ready and verified: bash cross/build-sysroot.sh $CROSS_ARCH --verify"
        echo "To see the build command without an SDK: bash cross/build-cross.sh $CROSS_ARCH --$FLAVOUR --print-command"
    } >&2
    exit "$EXIT_NO_SDK"
}

# Sets SDK_ID to an installed SDK for the target (glibc), or explains and exits 3.
select_sdk() {
    command -v swift >/dev/null 2>&1 || find_swift
    local id musl_only=""
    if [ -n "$SDK_ID" ]; then
        grep -qxF -- "$SDK_ID" <<<"$(installed_sdks)" || no_sdk "the Swift SDK '$SDK_ID' is not installed"
        if ! sdk_supports "$SDK_ID" "$SWIFT_TRIPLE"; then
            if [ -n "$MUSL_TRIPLE" ] && sdk_supports "$SDK_ID" "$MUSL_TRIPLE"; then
                no_sdk "the Swift SDK '$SDK_ID' targets $MUSL_TRIPLE (musl), which cannot link the glibc-built C archives"
            fi
            no_sdk "the Swift SDK '$SDK_ID' has no configuration for $SWIFT_TRIPLE"
        fi
        return 0
    fi
    while IFS= read -r id; do
        [ -n "$id" ] || continue
        if sdk_supports "$id" "$SWIFT_TRIPLE"; then SDK_ID="$id"; return 0; fi
        if [ -n "$MUSL_TRIPLE" ] && sdk_supports "$id" "$MUSL_TRIPLE"; then musl_only="$id"; fi
    done < <(installed_sdks)
    [ -z "$musl_only" ] || no_sdk "only the musl SDK '$musl_only' ($MUSL_TRIPLE) is installed for $CROSS_ARCH; it cannot link the glibc-built C archives"
    no_sdk "no Swift SDK for $SWIFT_TRIPLE is installed"
}

# The SDK's sysroot and Swift runtime folder, for running the dynamic binary under qemu.
sdk_path() { # key
    swift sdk configure "${SDKS_PATH[@]}" --show-configuration "$SDK_ID" "$SWIFT_TRIPLE" 2>/dev/null \
        | sed -n "s/^[[:space:]]*$1:[[:space:]]*//p" | head -n1
}

# MARK: The command.
build_command() {
    BUILD_ENV=(
        "PKG_CONFIG_PATH=$([ "$FLAVOUR" = static ] && echo "$PC_STATIC" || echo "$PC_DYNAMIC")"
        "PKG_CONFIG_LIBDIR=$([ "$FLAVOUR" = static ] && echo "$PC_STATIC" || echo "$PC_DYNAMIC")"
        "PKG_CONFIG_SYSROOT_DIR=$SYSROOT"
    )
    BUILD_CMD=(swift build -c release "${SDKS_PATH[@]}" --swift-sdk "${SDK_ID:-<swift-sdk-id>}" --disable-default-traits
        --scratch-path "$SCRATCH" --product kvsmaster)
    if [ "$FLAVOUR" = static ]; then
        local group
        mapfile -t group < <(swift_link_group)
        BUILD_CMD+=(--static-swift-stdlib -Xswiftc -static-executable -Xlinker -L"$ARCHIVES" "${group[@]}")
    else
        # The sysroot's libraries need others (libcurl: nghttp2, ...) that the linker must find.
        BUILD_CMD+=(-Xlinker -rpath-link="$LIBDIR" -Xlinker -rpath-link="$SYSROOT/lib/$TRIPLET")
    fi
}

if [ "$PRINT_ONLY" = 1 ]; then
    # An installed SDK for the target, if any (no toolchain or SDK is needed to print).
    for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin /usr/local/swift/usr/bin; do
        command -v swift >/dev/null 2>&1 || { [ ! -x "$dir/swift" ] || PATH="$PATH:$dir"; }
    done
    if [ -z "$SDK_ID" ] && command -v swift >/dev/null 2>&1; then
        while IFS= read -r id; do
            if [ -z "$SDK_ID" ] && [ -n "$id" ] && sdk_supports "$id" "$SWIFT_TRIPLE"; then SDK_ID="$id"; fi
        done < <(installed_sdks)
    fi
    build_command
    echo "# kvsmaster for $SWIFT_TRIPLE ($FLAVOUR), Swift $(swift_version); sysroot: bash cross/build-sysroot.sh $CROSS_ARCH"
    [ -n "$SDK_ID" ] || echo "# <swift-sdk-id>: a placeholder, no Swift SDK for $SWIFT_TRIPLE is installed (see: bash cross/build-cross.sh $CROSS_ARCH)"
    echo "cd $(printf '%q' "$REPO_ROOT")"
    printf 'export'; printf ' %q' "${BUILD_ENV[@]}"; echo
    printf '%q' "${BUILD_CMD[0]}"; printf ' %q' "${BUILD_CMD[@]:1}"; echo
    exit 0
fi

bash "$REPO_ROOT/cross/build-sysroot.sh" "$CROSS_ARCH" || die "the $CROSS_ARCH sysroot failed to build"
select_sdk
build_command
say "building kvsmaster for $SWIFT_TRIPLE ($FLAVOUR) with the Swift SDK '$SDK_ID'"
START=$(date +%s)
LOG="$CROSS_OUT/logs/swift-build-$FLAVOUR.log"
BIN="$SCRATCH/release/kvsmaster"
# SwiftPM does not track the archives a system-library target links: relink when one is newer.
if [ "$FLAVOUR" = static ] && [ -f "$BIN" ] && [ -n "$(find -L "$ARCHIVES" -name '*.a' -newer "$BIN")" ]; then rm -f "$BIN"; fi
(export "${BUILD_ENV[@]}"; swift_quiet "${BUILD_CMD[@]:1}") >"$LOG" 2>&1 \
    || { tail -n 40 "$LOG" >&2; die "the Swift build for $SWIFT_TRIPLE failed (log: $LOG)"; }
[ -x "$BIN" ] || die "the build reported success but $BIN does not exist"
OUT="$CROSS_OUT/kvsmaster-$FLAVOUR"
cp "$BIN" "$OUT"
"$TRIPLET-strip" -o "$OUT.stripped" "$OUT"

say "result"
described="$(file -b "$OUT.stripped")"
echo "$described"
[[ "$described" == *"$FILE_ARCH"* ]] || die "$OUT.stripped is not an $CROSS_ARCH executable"
if [ "$FLAVOUR" = static ]; then
    [[ "$described" == *"statically linked"* ]] || die "$OUT.stripped is not statically linked"
    RUN=("$QEMU" "$OUT.stripped")
else
    # Swift runtime libraries from the SDK (their path is absolute on the host, which qemu's -L
    # prefix falls back to), everything else from the sysroot.
    swift_lib="$(sdk_path swiftResourcesPath)/linux"
    RUN=("$QEMU" -L "$SYSROOT" -E "LD_LIBRARY_PATH=$swift_lib:$LIBDIR:$SYSROOT/lib/$TRIPLET" "$OUT.stripped")
fi
if [ "$CROSS_ARCH" = armv7 ]; then
    "$TRIPLET-readelf" -A "$OUT.stripped" | grep -c "Tag_ABI_VFP_args: VFP registers" >/dev/null \
        || die "$OUT.stripped does not use the hard-float calling convention"
fi
"${RUN[@]}" --version || die "$OUT.stripped does not run under $QEMU"
# The self-check: every C library for real, and STUN; GStreamer is reported as skipped in a build
# without it.
"${RUN[@]}" selfcheck --frames 1 || die "'kvsmaster selfcheck --frames 1' failed under $QEMU (see above)"
ls -l "$OUT" "$OUT.stripped"
say "built in $(( $(date +%s) - START )) s: $OUT.stripped"
