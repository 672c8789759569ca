#!/usr/bin/env bash
# Builds the C dependency sysroot of kvsmaster for a camera board architecture from Debian 12's
# packages for that architecture, with Debian's cross compilers, and verifies it under qemu-user.
#   cross/build-sysroot.sh aarch64|armv7                    build (cached in .build-cross/<arch>), then verify
#   cross/build-sysroot.sh aarch64|armv7 --verify           only the verification (after a build)
#   cross/build-sysroot.sh aarch64|armv7 --with-gstreamer   the sysroot also gets GStreamer's -dev
#                                                           packages (a dynamic build with the trait on)
#   cross/build-sysroot.sh aarch64|armv7 --clean            remove .build-cross/<arch> first
# Run it as root the first time: it adds the dpkg foreign architecture (arm64 / armhf) and installs
# the cross compiler and qemu-user-static. Nothing of the target architecture is installed into
# the host system: the target's packages are downloaded and unpacked into the sysroot folder.
#
# Output, in .build-cross/<arch>/:
#   sysroot/                  the target's -dev packages and their library closure (dpkg-deb -x)
#   sysroot/opt/kvsmaster/    libsrtp2 (OpenSSL backend) and a minimal libcurl rebuilt from Debian's
#                             source packages; archives/ holds every archive of the static link
#   pkgconfig/static|dynamic  .pc files for the system-library targets, with paths relative to the
#                             sysroot (use PKG_CONFIG_SYSROOT_DIR=<sysroot>)
#   probe/                    cross/probe/probe.c built statically and dynamically, the project's C
#                             files compiled for the target, and what qemu printed
#   logs/                     the log of every step; a failing step prints the end of its log
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

ARCH="" VERIFY_ONLY=0 WITH_GSTREAMER=0 CLEAN=0
for arg in "$@"; do
    case "$arg" in
        --verify) VERIFY_ONLY=1 ;;
        --with-gstreamer) WITH_GSTREAMER=1 ;;
        --clean) CLEAN=1 ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        -*) die "unknown option '$arg' (see: $0 --help)" ;;
        *) [ -z "$ARCH" ] || die "one target at a time (got '$ARCH' and '$arg')"; ARCH="$arg" ;;
    esac
done
cross_target "$ARCH"
[ "$(uname -m)" = x86_64 ] || die "this script runs on an x86_64 Debian 12 machine (this is $(uname -m))"
[ "$CLEAN" = 0 ] || rm -rf "$CROSS_OUT"

DEBS="$CROSS_OUT/debs"
BUILD="$CROSS_OUT/build"
PROBE="$CROSS_OUT/probe"
LOGS="$CROSS_OUT/logs"
SRC="$REPO_ROOT/.build-cross/src"      # Debian's source packages, shared by the targets
LIBDIR_REL="/usr/lib/$TRIPLET"
START=$(date +%s)
mkdir -p "$DEBS" "$BUILD" "$PROBE" "$LOGS" "$PC_STATIC" "$PC_DYNAMIC"

# MARK: Host: foreign architecture, cross compiler, emulator.
setup_host() {
    if ! grep -qx "$DEBARCH" <<<"$(dpkg --print-foreign-architectures)"; then
        [ "$(id -u)" = 0 ] || die "dpkg has no '$DEBARCH' foreign architecture, and adding it needs root: run this script as root once
  (or: sudo dpkg --add-architecture $DEBARCH && sudo apt-get update)"
        say "adding the dpkg foreign architecture $DEBARCH"
        dpkg --add-architecture "$DEBARCH"
        apt_update
    fi
    if ! apt-cache show "libssl-dev:$DEBARCH" >/dev/null 2>&1; then
        [ "$(id -u)" = 0 ] || die "apt has no package lists for $DEBARCH yet: run 'sudo apt-get update' (or this script as root)"
        apt_update
        apt-cache show "libssl-dev:$DEBARCH" >/dev/null 2>&1 || die "apt still knows no libssl-dev:$DEBARCH after apt-get update"
    fi
    ensure_packages build-essential dpkg-dev pkg-config autoconf automake libtool file binutils \
        "gcc-$TRIPLET" "binutils-$TRIPLET" "libc6-dev-$DEBARCH-cross" qemu-user-static
    command -v "$CC_CROSS" >/dev/null || die "$CC_CROSS not found although gcc-$TRIPLET is installed"
    # (the libc of the cross compiler is only a Recommends of gcc-$TRIPLET, and apt installs without those)
    command -v "$QEMU" >/dev/null || die "$QEMU not found although qemu-user-static is installed"
}

# MARK: The dynamic sysroot: the target's -dev packages and the libraries they need.
SYSROOT_PACKAGES=(libssl-dev libsrtp2-dev libusrsctp-dev libwebsockets-dev libcurl4-openssl-dev zlib1g-dev libcap-dev)
[ "$WITH_GSTREAMER" = 0 ] || SYSROOT_PACKAGES+=(libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev)

# The dependency closure, restricted to the target's library packages. The C library's own
# development packages are left out: the cross compiler brings its libc headers and crt files (the
# runtime libc6 stays, for qemu). Their -dev packages could override the compiler's libc headers.
package_closure() {
    apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances "${SYSROOT_PACKAGES[@]/%/:$DEBARCH}" \
        | grep -v '^ ' | grep -E "^(lib|zlib1g).*:$DEBARCH\$" \
        | grep -vE "^(libc6-dev|libc-dev-bin|linux-libc-dev|libcrypt-dev|libnsl-dev|libtirpc-dev|libpkgconf3|libgcc-[0-9]+-dev|libstdc\+\+-[0-9]+-dev):" \
        | sort -u
}

build_sysroot() {
    local packages files missing=() line name file stamp
    mapfile -t packages < <(package_closure)
    [ "${#packages[@]}" -gt 10 ] || die "the package closure of ${SYSROOT_PACKAGES[*]} for $DEBARCH is too small (${#packages[@]}): are the $DEBARCH package lists there?"
    # The .deb files apt would fetch ("'URI' file size hash" per line; asked in an empty folder, as
    # apt leaves out files already there); download those not cached.
    mkdir -p "$CROSS_OUT/empty"
    mapfile -t files < <(cd "$CROSS_OUT/empty" && apt-get download --print-uris "${packages[@]}" 2>"$LOGS/apt-uris.log" | awk '{print $2}')
    [ "${#files[@]}" = "${#packages[@]}" ] \
        || die "apt-get download --print-uris listed ${#files[@]} files for ${#packages[@]} packages (log: $LOGS/apt-uris.log)"
    for file in "${files[@]}"; do
        [ -s "$DEBS/$file" ] || missing+=("${file%%_*}:$DEBARCH")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        say "downloading ${#missing[@]} $DEBARCH packages"
        (cd "$DEBS" && apt-get download "${missing[@]}") >"$LOGS/apt-download.log" 2>&1 \
            || { tail -n 20 "$LOGS/apt-download.log" >&2; die "apt-get download failed (log: $LOGS/apt-download.log)"; }
    fi
    stamp="$(printf '%s\n' "${files[@]}" | sort)"
    if [ "$(cat "$SYSROOT/.debs" 2>/dev/null)" != "$stamp" ]; then
        say "unpacking ${#files[@]} $DEBARCH packages into $SYSROOT"
        rm -rf "$SYSROOT" && mkdir -p "$SYSROOT"
        for file in "${files[@]}"; do
            [ -s "$DEBS/$file" ] || die "$DEBS/$file was not downloaded"
            dpkg-deb -x "$DEBS/$file" "$SYSROOT" || die "dpkg-deb -x $file failed"
        done
        # Absolute symlinks (libz.so -> /lib/<triplet>/libz.so.1.2.13) would point into the host:
        # make them relative, inside the sysroot.
        while IFS= read -r line; do
            local target
            target="$(readlink "$line")"
            case "$target" in
                /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$line")" "$SYSROOT$target")" "$line" ;;
            esac
        done < <(find "$SYSROOT" -type l)
        echo "$stamp" >"$SYSROOT/.debs"
    fi
    for file in libssl.so libcrypto.so libsrtp2.so libusrsctp.so libwebsockets.so libcurl.so libz.so libcap.so; do
        [ -e "$SYSROOT$LIBDIR_REL/$file" ] || die "$SYSROOT$LIBDIR_REL/$file is missing (or a broken link) after unpacking"
    done
    [ -e "$SYSROOT/lib/$(basename "$(dynamic_loader)")" ] || [ -e "$SYSROOT$(dynamic_loader)" ] \
        || die "the sysroot has no dynamic loader $(dynamic_loader) (package libc6:$DEBARCH)"
}

dynamic_loader() {
    case "$CROSS_ARCH" in
        aarch64) echo /lib/ld-linux-aarch64.so.1 ;;
        armv7) echo /lib/ld-linux-armhf.so.3 ;;
    esac
}

# MARK: Static archives: libsrtp2 and libcurl rebuilt, the others as Debian ships them.
# The configure runs see the sysroot's headers and libraries, and its .pc files through pkg-config.
cross_configure_env() {
    export CC="$CC_CROSS" AR="$TRIPLET-ar" RANLIB="$TRIPLET-ranlib" STRIP="$TRIPLET-strip" NM="$TRIPLET-nm"
    export CPPFLAGS="-I$SYSROOT/usr/include/$TRIPLET -I$SYSROOT/usr/include"
    export LDFLAGS="-L$SYSROOT$LIBDIR_REL -Wl,-rpath-link,$SYSROOT$LIBDIR_REL -Wl,-rpath-link,$SYSROOT/lib/$TRIPLET"
    export PKG_CONFIG=pkg-config PKG_CONFIG_PATH="" PKG_CONFIG_SYSROOT_DIR="$SYSROOT"
    export PKG_CONFIG_LIBDIR="$SYSROOT$LIBDIR_REL/pkgconfig:$SYSROOT/usr/share/pkgconfig"
}

build_static_archives() {
    local jobs
    jobs="$(nproc)"
    fetch_sources "$SRC"
    mkdir -p "$STATIC_PREFIX"
    if [ ! -f "$STATIC_PREFIX/lib/libsrtp2.a" ]; then
        say "building libsrtp2 ($(basename "$SRTP_DIR")) with OpenSSL for $TRIPLET"
        rm -rf "$BUILD/libsrtp2" && cp -a "$SRTP_DIR" "$BUILD/libsrtp2"
        (
            cd "$BUILD/libsrtp2" && cross_configure_env
            step srtp-configure ./configure --host="$TRIPLET" --prefix="$STATIC_PREFIX" --enable-openssl CFLAGS="-O2 -fPIC"
            step srtp-make make -j"$jobs" libsrtp2.a
            step srtp-install make install
        )
        rm -f "$STATIC_PREFIX"/lib/libsrtp2.so*
    fi
    if [ ! -f "$STATIC_PREFIX/lib/libcurl.a" ] || [ "$(cat "$STATIC_PREFIX/.curl-flags" 2>/dev/null)" != "${CURL_FLAGS[*]}" ]; then
        say "building a minimal libcurl ($(basename "$CURL_DIR")) for $TRIPLET: HTTPS with OpenSSL only"
        rm -rf "$BUILD/curl" && cp -a "$CURL_DIR" "$BUILD/curl"
        (
            cd "$BUILD/curl" && cross_configure_env
            [ -x configure ] || step curl-autoreconf autoreconf -fi
            step curl-configure ./configure --host="$TRIPLET" --prefix="$STATIC_PREFIX" "${CURL_FLAGS[@]}"
            step curl-make make -j"$jobs" -C lib
            step curl-install-lib make -C lib install
            step curl-install-headers make -C include install
        )
        echo "${CURL_FLAGS[*]}" >"$STATIC_PREFIX/.curl-flags"
    fi
    check_rebuilt_archives "$STATIC_PREFIX" "$TRIPLET-nm" "$TRIPLET-ar"

    # One folder with every archive of the link (relative links, the sysroot can move).
    rm -rf "$ARCHIVES" && mkdir -p "$ARCHIVES"
    local archive
    for archive in "${DEBIAN_ARCHIVES[@]}"; do
        [ -f "$SYSROOT$LIBDIR_REL/$archive" ] || die "$SYSROOT$LIBDIR_REL/$archive is missing: its $DEBARCH -dev package ships no static archive?"
        ln -s "../../..$LIBDIR_REL/$archive" "$ARCHIVES/$archive"
    done
    ln -s ../lib/libsrtp2.a "$ARCHIVES/libsrtp2.a"
    ln -s ../lib/libcurl.a "$ARCHIVES/libcurl.a"
    for archive in "$ARCHIVES"/*.a; do
        "$TRIPLET-readelf" -h "$(readlink -f "$archive")" 2>/dev/null | grep -c "Machine:.*$( [ "$CROSS_ARCH" = aarch64 ] && echo AArch64 || echo ARM)" >/dev/null \
            || die "$archive is not an archive of $TRIPLET objects"
    done
}

# MARK: pkg-config files for the system-library targets (Sources/C*/module.modulemap), paths
# relative to the sysroot: SwiftPM and pkg-config prefix the variables with PKG_CONFIG_SYSROOT_DIR.
write_pc_files() {
    local common="includedir=/usr/include
archincludedir=/usr/include/$TRIPLET
libdir=$LIBDIR_REL"
    local static="$common
prefix=$STATIC_PREFIX_REL
archives=$STATIC_PREFIX_REL/archives"
    pc() { # dir name variables cflags libs
        printf '%s\n\nName: %s\nDescription: kvsmaster cross build (%s)\nVersion: 0\nCflags: %s\nLibs: %s\n' \
            "$3" "$2" "$TRIPLET" "$4" "$5" >"$1/$2.pc"
    }
    local inc='-I${includedir} -I${archincludedir}'
    pc "$PC_STATIC" openssl "$static" "$inc" '-L${archives} -lssl -lcrypto'
    pc "$PC_STATIC" libsrtp2 "$static" "-I\${prefix}/include $inc" '-L${archives} -lsrtp2'
    pc "$PC_STATIC" usrsctp "$static" "$inc" '-L${archives} -lusrsctp'
    pc "$PC_STATIC" libwebsockets "$static" "$inc" '-L${archives} -lwebsockets'
    pc "$PC_STATIC" libcurl "$static" "-I\${prefix}/include $inc" '-L${archives} -lcurl'
    pc "$PC_DYNAMIC" openssl "$common" "$inc" '-L${libdir} -lssl -lcrypto'
    pc "$PC_DYNAMIC" libsrtp2 "$common" "$inc" '-L${libdir} -lsrtp2'
    pc "$PC_DYNAMIC" usrsctp "$common" "$inc" '-L${libdir} -lusrsctp'
    pc "$PC_DYNAMIC" libwebsockets "$common" "$inc" '-L${libdir} -lwebsockets'
    pc "$PC_DYNAMIC" libcurl "$common" "$inc" '-L${libdir} -lcurl'
}

# MARK: Verification: the probe, static and dynamic, under qemu; the project's C for the target.
# Runs a probe under qemu and checks that every library printed its "ok" line.
run_probe() { # name command...
    local name="$1"; shift
    local out="$PROBE/$name.out" check
    if ! "$@" >"$out" 2>&1; then
        cat "$out" >&2
        die "$name failed under $QEMU (output above, also in $out)"
    fi
    for check in libcrypto libssl libsrtp2 libcurl usrsctp libwebsockets; do
        grep -q "^ok $check " "$out" || { cat "$out" >&2; die "$name printed no 'ok $check' line"; }
    done
    sed "s/^/  $name: /" "$out"
}

expect_file() { # path what-file-must-say...
    local path="$1" described pattern; shift
    described="$(file -b "$path")"
    for pattern in "$@"; do
        [[ "$described" == *"$pattern"* ]] || die "file says '$described' for $path: expected '$pattern'"
    done
    echo "  $(basename "$path"): ${described%%, BuildID*}"
}

expect_hard_float() {
    [ "$CROSS_ARCH" = armv7 ] || return 0
    "$TRIPLET-readelf" -A "$1" | grep -c "Tag_ABI_VFP_args: VFP registers" >/dev/null \
        || die "$1 does not use the hard-float calling convention (readelf -A: no 'Tag_ABI_VFP_args: VFP registers')"
    echo "  $(basename "$1"): hard float (Tag_ABI_VFP_args: VFP registers)"
}

verify() {
    say "verifying the $CROSS_ARCH sysroot"
    [ -f "$SYSROOT/.debs" ] && [ -d "$ARCHIVES" ] || die "no sysroot in $CROSS_OUT yet: run 'bash cross/build-sysroot.sh $CROSS_ARCH' first"
    command -v "$CC_CROSS" >/dev/null || die "$CC_CROSS not found (package gcc-$TRIPLET)"
    command -v "$QEMU" >/dev/null || die "$QEMU not found (package qemu-user-static)"
    local cflags libs group=() lib
    for lib in "${STATIC_LIBS[@]}"; do group+=("-l$lib"); done

    # (a) static, against the archive group the Swift link uses
    cflags="$(cross_pkg_config_env static && pkg-config --cflags openssl libsrtp2 usrsctp libwebsockets libcurl)" \
        || die "pkg-config cannot read the static .pc files in $PC_STATIC"
    # shellcheck disable=SC2086  # word splitting of the pkg-config output is intended
    step probe-static "$CC_CROSS" -O2 -Wall -Wextra -Werror -static -o "$PROBE/probe-static" "$REPO_ROOT/cross/probe/probe.c" \
        $cflags -L"$ARCHIVES" -Wl,--start-group "${group[@]}" -Wl,--end-group -pthread -ldl
    expect_file "$PROBE/probe-static" "$FILE_ARCH" "statically linked"
    expect_hard_float "$PROBE/probe-static"
    run_probe probe-static "$QEMU" "$PROBE/probe-static"

    # (b) dynamic, against the sysroot's shared libraries
    cflags="$(cross_pkg_config_env dynamic && pkg-config --cflags openssl libsrtp2 usrsctp libwebsockets libcurl)" \
        || die "pkg-config cannot read the dynamic .pc files in $PC_DYNAMIC"
    libs="$(cross_pkg_config_env dynamic && pkg-config --libs openssl libsrtp2 usrsctp libwebsockets libcurl)"
    # shellcheck disable=SC2086
    step probe-dynamic "$CC_CROSS" -O2 -Wall -Wextra -Werror -o "$PROBE/probe-dynamic" "$REPO_ROOT/cross/probe/probe.c" \
        $cflags $libs -Wl,-rpath-link,"$SYSROOT$LIBDIR_REL" -Wl,-rpath-link,"$SYSROOT/lib/$TRIPLET"
    expect_file "$PROBE/probe-dynamic" "$FILE_ARCH" "dynamically linked"
    expect_hard_float "$PROBE/probe-dynamic"
    run_probe probe-dynamic "$QEMU" -L "$SYSROOT" "$PROBE/probe-dynamic"

    # The project's own C: every .c under Sources/ compiled for the target, and every module's
    # shim header (the system-library targets) parsed with the static flavour's flags.
    local source object module objects="$PROBE/objects" count=0
    rm -rf "$objects" && mkdir -p "$objects"
    cflags="$(cross_pkg_config_env static && pkg-config --cflags openssl libsrtp2 usrsctp libwebsockets libcurl)"
    while IFS= read -r source; do
        module="$(basename "$(dirname "$source")")"
        object="$objects/$module-$(basename "${source%.c}").o"
        step "cc-$module" "$CC_CROSS" -std=gnu11 -O2 -Wall -Werror -fPIC -I"$(dirname "$source")/include" -c "$source" -o "$object"
        expect_file "$object" "relocatable" "$FILE_ARCH"
        count=$((count + 1))
    done < <(find "$REPO_ROOT/Sources" -name '*.c' | sort)
    [ "$count" -gt 0 ] || die "no .c files under Sources/"
    for source in "$REPO_ROOT"/Sources/C*/shim.h; do
        module="$(basename "$(dirname "$source")")"
        [ "$module" != CGStreamer ] || continue   # the static build has the GStreamer trait off
        # shellcheck disable=SC2086
        step "header-$module" "$CC_CROSS" -std=gnu11 -fsyntax-only -Wall -Werror $cflags -x c "$source"
        echo "  $module/shim.h: parses for $TRIPLET"
    done
}

if [ "$VERIFY_ONLY" = 0 ]; then
    setup_host
    build_sysroot
    build_static_archives
    write_pc_files
fi
verify
say "$CROSS_ARCH sysroot ready in $(( $(date +%s) - START )) s: $CROSS_OUT"
