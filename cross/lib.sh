# Helpers shared by the build scripts in cross/ (build-static.sh, build-sysroot.sh,
# build-cross.sh). Source it; do not run it.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

# Runs a build step with its output in "$LOGS/<name>.log"; on failure shows the log's end and stops.
step() {
    local name="$1"; shift
    local log="$LOGS/$name.log"
    if ! "$@" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        die "$name failed (full log: $log)"
    fi
}

# True when the Debian package (optionally arch-qualified, "libfoo:arm64") is installed.
package_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# Installs the Debian packages of the arguments that are missing. Root is needed only then.
# apt waits for the dpkg lock (other builds on the machine may be installing at the same time).
ensure_packages() {
    local missing=() p
    for p in "$@"; do package_installed "$p" || missing+=("$p"); done
    [ "${#missing[@]}" -gt 0 ] || return 0
    [ "$(id -u)" = 0 ] || die "these Debian packages are missing and installing them needs root: ${missing[*]}
  run this script as root (or: sudo apt-get install ${missing[*]})"
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt_update
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install failed for: ${missing[*]}"
}

# Fetches Debian's source packages of libsrtp2 and curl into $1 once (logs into $LOGS). apt needs a
# deb-src entry: if there is none, one is added (a copy of the deb entries; root needed only then).
fetch_sources() {
    local src="$1"
    # (grep reads all of it: with pipefail, grep -q closing the pipe early would fail the test)
    have_sources() { apt-cache showsrc libsrtp2 2>/dev/null | grep -c '^Package: libsrtp2' >/dev/null; }
    if [ ! -f "$src/.fetched" ]; then
        if ! have_sources; then
            [ "$(id -u)" = 0 ] || die "apt has no deb-src entry, and adding one needs root: run this script as root once"
            local list=/etc/apt/sources.list.d/debian.sources
            [ -f "$list" ] || die "$list not found: add a deb-src line for your Debian mirror to /etc/apt/sources.list and rerun"
            say "adding deb-src entries (a copy of $list)"
            sed 's/^Types: deb$/Types: deb-src/' "$list" >/etc/apt/sources.list.d/kvsmaster-deb-src.sources
            apt_update
            have_sources || die "apt still has no source for libsrtp2 after adding /etc/apt/sources.list.d/kvsmaster-deb-src.sources"
        fi
        say "fetching Debian source packages libsrtp2 and curl"
        rm -rf "$src" && mkdir -p "$src"
        (cd "$src" && apt-get source -qq libsrtp2 curl >"$LOGS/apt-source.log" 2>&1) \
            || { tail -n 20 "$LOGS/apt-source.log" >&2; die "apt-get source libsrtp2 curl failed (log: $LOGS/apt-source.log)"; }
        touch "$src/.fetched"
    fi
    SRTP_DIR="$(find "$src" -maxdepth 1 -type d -name 'libsrtp2-*' | head -n1)"
    CURL_DIR="$(find "$src" -maxdepth 1 -type d -name 'curl-*' | head -n1)"
    [ -n "$SRTP_DIR" ] || die "no libsrtp2 source folder in $src (delete $src and rerun)"
    [ -n "$CURL_DIR" ] || die "no curl source folder in $src (delete $src and rerun)"
}

# libcurl: HTTP and HTTPS over OpenSSL, nothing else. Proxies stay (https_proxy from the
# environment is honoured); the features kvsmaster never uses (cookies, NTLM, netrc, alt-svc, ...)
# go. Each build keeps the flags next to its archive, so that changing them rebuilds it.
CURL_FLAGS=(
    --disable-shared --enable-static --with-pic
    --with-openssl --without-gnutls --without-nss --without-zlib --without-brotli --without-zstd
    --without-nghttp2 --without-nghttp3 --without-ngtcp2 --without-libidn2 --without-librtmp
    --without-libssh --without-libssh2 --without-libpsl --without-gssapi --without-libgsasl
    --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp
    --disable-pop3 --disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt
    --disable-ftp --disable-file --disable-manual --enable-threaded-resolver
    --disable-ntlm --disable-ntlm-wb --disable-tls-srp --disable-cookies --disable-mime --disable-netrc
    --disable-alt-svc --disable-hsts --disable-doh --disable-dateparse --disable-progress-meter
    --disable-unix-sockets --without-ca-bundle --without-ca-path --with-ca-fallback=no
)

# The archives of a static link, in the order of one linker group (static archives resolve in
# command-line order; the group lets every archive see the symbols of all the others).
STATIC_LIBS=(curl srtp2 websockets usrsctp ssl crypto cap z)
# The archives used as Debian ships them in the -dev packages (the others are rebuilt).
DEBIAN_ARCHIVES=(libssl.a libcrypto.a libusrsctp.a libwebsockets.a libz.a libcap.a)

# Prints the linker group for swift build (-Xlinker per word), one argument a line.
swift_link_group() {
    local lib
    printf '%s\n' -Xlinker --start-group
    for lib in "${STATIC_LIBS[@]}"; do printf '%s\n' -Xlinker "-l$lib"; done
    printf '%s\n' -Xlinker --end-group
}

# Stops when the rebuilt archives in $1/lib reach for what Debian's builds needed (NSS in
# libsrtp2; nghttp2, ssh2, ... in libcurl). $2, $3: nm and ar for the target's object files.
# grep -c, not -q: it reads all of its input, so that with pipefail the producer never dies of a
# closed pipe (which would turn a found symbol into "not found").
check_rebuilt_archives() {
    local prefix="$1" nm="${2:-nm}" ar="${3:-ar}"
    "$ar" t "$prefix/lib/libsrtp2.a" | grep -c '_ossl\.o$' >/dev/null \
        || die "$prefix/lib/libsrtp2.a has no OpenSSL backend (delete $prefix and rerun; see $LOGS/srtp-configure.log)"
    if "$nm" -u "$prefix/lib/libsrtp2.a" 2>/dev/null | grep -cE ' (PK11_|NSS_)' >/dev/null; then die "$prefix/lib/libsrtp2.a still refers to NSS"; fi
    if "$nm" -u "$prefix/lib/libcurl.a" 2>/dev/null | grep -cE ' (nghttp2_|ssh2_|psl_|gss_|ldap_|ZSTD_|idn2_|RTMP_)' >/dev/null; then
        die "$prefix/lib/libcurl.a refers to libraries that have no static archive (see $LOGS/curl-configure.log)"
    fi
    # nm must have read them at all (a foreign-architecture archive and the host's nm do not mix).
    "$nm" -g --defined-only "$prefix/lib/libcurl.a" 2>/dev/null | grep -c ' T curl_easy_init$' >/dev/null \
        || die "$nm cannot read $prefix/lib/libcurl.a, or it defines no curl_easy_init"
}

# Writes a pkg-config file for a system-library target: write_pc DIR NAME CFLAGS LIBS.
write_pc() {
    printf 'Name: %s\nDescription: kvsmaster build\nVersion: 0\nCflags: %s\nLibs: %s\n' "$2" "$3" "$4" >"$1/$2.pc"
}

# MARK: Cross targets.

# Sets the names of a cross target (aarch64 or armv7): its Debian architecture and multiarch
# triplet, the cross compiler, the qemu-user emulator, the Swift target triple, what `file` says
# about its executables, and the build folder .build-cross/<arch>.
cross_target() {
    CROSS_ARCH="$1"
    case "$CROSS_ARCH" in
        aarch64)
            DEBARCH=arm64 TRIPLET=aarch64-linux-gnu QEMU=qemu-aarch64-static
            SWIFT_TRIPLE=aarch64-unknown-linux-gnu MUSL_TRIPLE=aarch64-swift-linux-musl
            FILE_ARCH="ARM aarch64" ;;
        armv7)
            # Debian armhf: ARMv7-A, Thumb-2, VFPv3-D16, hard-float calling convention.
            DEBARCH=armhf TRIPLET=arm-linux-gnueabihf QEMU=qemu-arm-static
            SWIFT_TRIPLE=armv7-unknown-linux-gnueabihf MUSL_TRIPLE=""
            FILE_ARCH="ARM, EABI5" ;;
        "") die "no target given: aarch64 or armv7" ;;
        *) die "unknown target '$CROSS_ARCH': aarch64 or armv7 (MIPS has no Swift toolchain: see cross/README.md)" ;;
    esac
    CC_CROSS="$TRIPLET-gcc"
    CROSS_OUT="$REPO_ROOT/.build-cross/$CROSS_ARCH"
    SYSROOT="$CROSS_OUT/sysroot"
    # Inside the sysroot, so that pkg-config's sysroot handling covers them like Debian's files:
    # the rebuilt libsrtp2 and libcurl, and one folder with every archive of the static link.
    STATIC_PREFIX_REL=/opt/kvsmaster
    STATIC_PREFIX="$SYSROOT$STATIC_PREFIX_REL"
    ARCHIVES="$STATIC_PREFIX/archives"
    PC_STATIC="$CROSS_OUT/pkgconfig/static"
    PC_DYNAMIC="$CROSS_OUT/pkgconfig/dynamic"
}

# Points pkg-config at the generated files of one flavour (static or dynamic) of the target.
cross_pkg_config_env() {
    local dir="$PC_STATIC"
    [ "$1" = dynamic ] && dir="$PC_DYNAMIC"
    export PKG_CONFIG_PATH="$dir" PKG_CONFIG_LIBDIR="$dir" PKG_CONFIG_SYSROOT_DIR="$SYSROOT"
}
