#!/usr/bin/env bash
# The size budget of the static x86_64 kvsmaster: stripped and xz-compressed sizes of the static
# binary and of the dynamic one (same configuration: release, GStreamer trait off), and what
# contributes most, per library archive and per Swift module, from the static link's map file.
#   cross/size-report.sh              report (builds the dynamic release binary if missing)
#   cross/size-report.sh --no-dynamic skip the dynamic binary
# Needs .build-static/kvsmaster-static and .build-static/kvsmaster.map (cross/build-static.sh).
# Exits 1 when the static binary is over budget: 20 MB stripped, 6 MB with xz -9.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$REPO_ROOT"

BUDGET_STRIPPED=$((20 * 1000 * 1000))
BUDGET_XZ=$((6 * 1000 * 1000))
OUT="$REPO_ROOT/.build-static"
STATIC="$OUT/kvsmaster-static"
MAP="$OUT/kvsmaster.map"
WITH_DYNAMIC=1
[ "${1:-}" = "--no-dynamic" ] && WITH_DYNAMIC=0

[ -x "$STATIC" ] || die "$STATIC is missing: run cross/build-static.sh first"
[ -f "$MAP" ] || die "$MAP is missing: run cross/build-static.sh again (it writes the link map)"
for tool in strip xz size python3; do
    command -v "$tool" >/dev/null || die "'$tool' is missing (Debian packages: binutils xz-utils python3)"
done

mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1000000 }'; }
bytes() { stat -c %s "$1"; }

# Stripped and xz sizes of one binary, as "stripped xz".
measure() {
    local stripped="$OUT/size-report.$$.stripped"
    strip -o "$stripped" "$1"
    local s x
    s=$(bytes "$stripped")
    x=$(xz -9 -T1 -c "$stripped" | wc -c)
    rm -f "$stripped"
    echo "$s $x"
}

read -r static_stripped static_xz < <(measure "$STATIC")
echo "static  (${STATIC#"$REPO_ROOT"/}): stripped $(mb "$static_stripped"), xz -9 $(mb "$static_xz"), with symbols $(mb "$(bytes "$STATIC")")"

if [ "$WITH_DYNAMIC" = 1 ]; then
    DYN_SCRATCH="$OUT/dynamic"
    DYNAMIC="$DYN_SCRATCH/release/kvsmaster"
    if [ ! -x "$DYNAMIC" ]; then
        find_swift
        say "building the dynamic release binary for comparison (GStreamer trait off, shared Swift runtime)"
        swift_quiet build -c release --disable-default-traits --scratch-path "$DYN_SCRATCH" --product kvsmaster >"$OUT/dynamic-build.log" 2>&1 \
            || { tail -n 30 "$OUT/dynamic-build.log" >&2; die "the dynamic release build failed (log: $OUT/dynamic-build.log)"; }
    fi
    read -r dynamic_stripped dynamic_xz < <(measure "$DYNAMIC")
    echo "dynamic (${DYNAMIC#"$REPO_ROOT"/}): stripped $(mb "$dynamic_stripped"), xz -9 $(mb "$dynamic_xz")"
    # What a board would need besides it: every shared library it loads, as installed here.
    shared=0
    count=0
    while read -r lib; do
        shared=$((shared + $(stat -L -c %s "$lib"))); count=$((count + 1))
    done < <(ldd "$DYNAMIC" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
    echo "        plus $count shared libraries it loads: $(mb "$shared") as installed (Swift runtime, OpenSSL, libcurl and their dependencies)"
fi

echo
echo "sections of the static binary (size -A, allocated sections over 100 kB):"
size -A "$STATIC" | awk 'NR > 2 && $2 > 100000 && $1 != "Total" && $1 !~ /^\.debug/ { printf "  %-24s %10.2f MB\n", $1, $2 / 1000000 }'

echo
echo "what the link kept, per library archive and per Swift module (from the link map):"
python3 - "$MAP" <<'PY'
import collections, os, re, sys

# A GNU ld map lists each input section kept in the output as "<name> <address> <size> <file>",
# where a long section name pushes the rest onto the next line (GNU ld and gold alike). Sections dropped by
# --gc-sections are listed before "Memory Configuration" and are not counted.
totals = collections.Counter()
kept = False
pending = None
line_re = re.compile(r"^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")

def owner(path):
    archive = re.match(r"^(.*\.a)\((.*)\)$", path)
    if archive:
        name = os.path.basename(archive.group(1))
        return "Swift runtime: " + name if "/swift_static/" in archive.group(1) else name
    swift = re.search(r"/([^/]+)\.build/[^/]+\.o$", path)
    if swift:
        return "Swift module " + swift.group(1)
    return os.path.basename(path)

with open(sys.argv[1], errors="replace") as lines:
    for line in lines:
        if line.startswith(("Linker script and memory map", "Memory map")):
            kept = True
            continue
        if not kept:
            continue
        line = line.rstrip("\n")
        if pending is not None and line.startswith("  "):
            line = " " + pending + line
        pending = None
        if re.match(r"^ \S+$", line):
            pending = line.strip()
            continue
        match = line_re.match(line)
        if not match or match.group(1) is None:
            continue
        section = match.group(1)
        if section.startswith((".debug", ".comment", ".note.GNU-stack")):
            continue
        size = int(match.group(3), 16)
        if size == 0 or int(match.group(2), 16) == 0:
            continue
        totals[owner(match.group(4))] += size

everything = sum(totals.values())
print(f"  {'total':<44} {everything / 1e6:8.2f} MB")
for name, size in totals.most_common(30):
    print(f"  {name:<44} {size / 1e6:8.2f} MB  {100 * size / everything:5.1f} %")
icu = [n for n in totals if "ICU" in n or "FoundationInternationalization" in n or n.endswith("libFoundation.a")]
print("  full Foundation / ICU linked in: " + (", ".join(icu) if icu else "no"))
PY

echo
status=0
if [ "$static_stripped" -gt "$BUDGET_STRIPPED" ]; then
    echo "OVER BUDGET: static stripped $(mb "$static_stripped") > $(mb "$BUDGET_STRIPPED")"; status=1
fi
if [ "$static_xz" -gt "$BUDGET_XZ" ]; then
    echo "OVER BUDGET: static xz $(mb "$static_xz") > $(mb "$BUDGET_XZ")"; status=1
fi
[ "$status" = 0 ] && echo "within budget: stripped ≤ $(mb "$BUDGET_STRIPPED"), xz ≤ $(mb "$BUDGET_XZ")"
exit "$status"
