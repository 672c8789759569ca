#!/usr/bin/env bash
# Builds a fully static x86_64 kvsmaster (glibc static, Swift stdlib static, GStreamer trait off).
#   cross/build-static.sh          build (deps are cached in .build-static/deps; reruns are fast)
#   cross/build-static.sh --test   build, then run the binary end to end against the local KVS
#                                  emulator with an aiortc viewer (needs scripts/install-deps.sh --test)
#   cross/build-static.sh --clean  remove .build-static first (a build from clean)
# Output: .build-static/kvsmaster-static (with symbols) and .build-static/kvsmaster-static.stripped.
#
# Which C library comes from where, and why:
#   OpenSSL, usrsctp, libwebsockets, zlib, libcap  Debian's own static archives (-dev packages)
#   libsrtp2   rebuilt from Debian's source package with its OpenSSL crypto backend: Debian's
#              build uses NSS, which has no static archives
#   libcurl    rebuilt from Debian's source package, HTTP(S) over OpenSSL only: Debian's build
#              needs nghttp2, rtmp, ssh2, psl, gssapi, ldap, zstd and brotli, none of them static
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

RUN_TEST=0
for arg in "$@"; do
    case "$arg" in
        --test) RUN_TEST=1 ;;
        --clean) rm -rf "$REPO_ROOT/.build-static" ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) die "unknown option '$arg' (see: $0 --help)" ;;
    esac
done

[ "$(uname -m)" = x86_64 ] || die "this script builds the x86_64 static binary on an x86_64 machine (this is $(uname -m)); see cross/README.md for the other targets"

OUT="$REPO_ROOT/.build-static"
DEPS="$OUT/deps"
SRC="$DEPS/src"
PREFIX="$DEPS/prefix"
PCDIR="$DEPS/pkgconfig"
LOGS="$DEPS/logs"
MULTIARCH=x86_64-linux-gnu
SYSLIB="/usr/lib/$MULTIARCH"
START=$(date +%s)
mkdir -p "$SRC" "$PREFIX" "$PCDIR" "$LOGS"

# MARK: Debian packages: compilers, autotools, and the static archives used as they are.
PACKAGES=(
    build-essential dpkg-dev pkg-config autoconf automake libtool file xz-utils binutils
    libssl-dev libusrsctp-dev libwebsockets-dev zlib1g-dev libcap-dev libc6-dev
)
ensure_packages "${PACKAGES[@]}"
for archive in "${DEBIAN_ARCHIVES[@]}"; do
    [ -f "$SYSLIB/$archive" ] || die "$SYSLIB/$archive is missing although its -dev package is installed"
done
find_swift

# MARK: Source packages (need a deb-src entry next to the deb entries).
fetch_sources "$SRC"
JOBS="$(nproc)"

# MARK: libsrtp2 with OpenSSL.
if [ ! -f "$PREFIX/lib/libsrtp2.a" ]; then
    say "building libsrtp2 ($(basename "$SRTP_DIR")) with OpenSSL"
    cd "$SRTP_DIR"
    step srtp-configure ./configure --prefix="$PREFIX" --enable-openssl CFLAGS="-O2 -fPIC"
    step srtp-make make -j"$JOBS" libsrtp2.a
    step srtp-install make install
    rm -f "$PREFIX"/lib/libsrtp2.so*
    cd "$REPO_ROOT"
fi

# MARK: libcurl: HTTP and HTTPS over OpenSSL only (CURL_FLAGS in lib.sh).
if [ ! -f "$PREFIX/lib/libcurl.a" ] || [ "$(cat "$PREFIX/.curl-flags" 2>/dev/null)" != "${CURL_FLAGS[*]}" ]; then
    say "building a minimal libcurl ($(basename "$CURL_DIR")): HTTPS with OpenSSL only"
    cd "$CURL_DIR"
    [ ! -f config.status ] || step curl-distclean make distclean
    [ -x configure ] || step curl-autoreconf autoreconf -fi
    step curl-configure ./configure --prefix="$PREFIX" "${CURL_FLAGS[@]}"
    step curl-make make -j"$JOBS" -C lib
    step curl-install-lib make -C lib install
    step curl-install-headers make -C include install
    step curl-install-pc make install-pkgconfigDATA
    echo "${CURL_FLAGS[*]}" >"$PREFIX/.curl-flags"
    cd "$REPO_ROOT"
fi

# The rebuilt archives must not reach for what Debian's builds needed.
check_rebuilt_archives "$PREFIX"

# MARK: One folder with every archive the link uses, and pkg-config files that point the
# system-library targets at it, each with the libraries it needs itself (static archives carry no
# dependency list). No -L to the system folder: its libcurl.a and libsrtp2.a (Debian's, with NSS,
# nghttp2, ...) must not be found first.
LIBDIR="$DEPS/lib"
rm -rf "$LIBDIR" && mkdir -p "$LIBDIR"
for archive in "${DEBIAN_ARCHIVES[@]}"; do
    ln -s "$SYSLIB/$archive" "$LIBDIR/$archive"
done
ln -s "$PREFIX/lib/libsrtp2.a" "$LIBDIR/libsrtp2.a"
ln -s "$PREFIX/lib/libcurl.a" "$LIBDIR/libcurl.a"
write_pc "$PCDIR" openssl "" "-L$LIBDIR -lssl -lcrypto"
write_pc "$PCDIR" libsrtp2 "-I$PREFIX/include" "-L$LIBDIR -lsrtp2"
write_pc "$PCDIR" usrsctp "" "-L$LIBDIR -lusrsctp"
write_pc "$PCDIR" libwebsockets "" "-L$LIBDIR -lwebsockets"
write_pc "$PCDIR" libcurl "-I$PREFIX/include" "-L$LIBDIR -lcurl"

# MARK: kvsmaster.
say "building kvsmaster (release, static executable, GStreamer trait off)"
SWIFT_START=$(date +%s)
# The linker resolves static archives in command-line order; a group lets every archive see the
# symbols of all the others whatever order the module maps list them in.
export PKG_CONFIG_PATH="$PCDIR"
mapfile -t LINK_GROUP < <(swift_link_group)
BIN="$OUT/swift/release/kvsmaster"
# SwiftPM does not track the archives a system-library target links: relink when one is newer.
if [ -f "$BIN" ] && [ -n "$(find -L "$LIBDIR" -name '*.a' -newer "$BIN")" ]; then rm -f "$BIN"; fi
swift_quiet build -c release --disable-default-traits --scratch-path "$OUT/swift" --product kvsmaster \
    --static-swift-stdlib -Xswiftc -static-executable \
    -Xlinker -L"$LIBDIR" "${LINK_GROUP[@]}" \
    -Xlinker -Map="$OUT/kvsmaster.map" \
    >"$LOGS/swift-build.log" 2>&1 &
build_pid=$!
# glibc warns at link time about every NSS-backed call (getaddrinfo, getpwnam, ...) and dlopen in a
# static binary: they work as long as the board's glibc is close to the build machine's (DNS through
# /etc/nsswitch.conf "files dns" needs no NSS module at all). Those warnings are counted, not shown.
tail -f --pid=$build_pid "$LOGS/swift-build.log" 2>/dev/null | grep --line-buffered -E 'error|warning: |Compiling|Build' \
    | grep --line-buffered -vE 'in statically linked applications requires|use of .mktemp. is dangerous' || true
wait $build_pid || die "the static Swift build failed (log: $LOGS/swift-build.log)"
echo "($(grep -c 'in statically linked applications requires' "$LOGS/swift-build.log") glibc static-link notes about NSS/dlopen in $LOGS/swift-build.log)"
SWIFT_END=$(date +%s)
[ -x "$BIN" ] || die "the build reported success but $BIN does not exist"
cp "$BIN" "$OUT/kvsmaster-static"
strip -o "$OUT/kvsmaster-static.stripped" "$OUT/kvsmaster-static"

say "result"
file "$OUT/kvsmaster-static.stripped"
file "$OUT/kvsmaster-static.stripped" | grep -q "statically linked" \
    || die "the binary is not statically linked (see the file output above)"
ldd_out="$(ldd "$OUT/kvsmaster-static.stripped" 2>&1 || true)"
echo "ldd: $ldd_out"
echo "$ldd_out" | grep -q "not a dynamic executable" || die "ldd found dynamic dependencies: $ldd_out"
"$OUT/kvsmaster-static.stripped" --version || die "the static binary does not run"
ls -l "$OUT/kvsmaster-static" "$OUT/kvsmaster-static.stripped"
END=$(date +%s)
say "build time: $((END - START)) s in all, of which $((SWIFT_END - SWIFT_START)) s for the Swift build"

if [ "$RUN_TEST" = 1 ]; then
    say "end-to-end test of the static binary (KVS emulator + aiortc viewer)"
    /usr/bin/python3 "$REPO_ROOT/cross/test_static.py" "$OUT/kvsmaster-static.stripped" \
        || die "the static binary failed its end-to-end test"
fi
