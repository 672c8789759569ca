#!/bin/sh
# Regenerates certs/amazon-root-cas.pem from Debian's ca-certificates package: the Amazon Root
# CAs 1-4 (which sign the KVS endpoints' certificates) and Starfield Services Root CA G2 (the
# cross-signing root older clients chain to). Each certificate is checked with openssl before
# it goes into the bundle.
#
# Usage: certs/update-certs.sh [source-dir]   (default /usr/share/ca-certificates/mozilla)
set -eu

source_dir=${1:-/usr/share/ca-certificates/mozilla}
here=$(cd "$(dirname "$0")" && pwd)
output="$here/amazon-root-cas.pem"
names="Amazon_Root_CA_1 Amazon_Root_CA_2 Amazon_Root_CA_3 Amazon_Root_CA_4 Starfield_Services_Root_Certificate_Authority_-_G2"

command -v openssl >/dev/null 2>&1 || { echo "openssl not found: apt-get install openssl" >&2; exit 1; }
[ -d "$source_dir" ] || { echo "$source_dir not found: apt-get install ca-certificates" >&2; exit 1; }

temporary=$(mktemp "$output.XXXXXX")
trap 'rm -f "$temporary"' EXIT
now=$(date +%s)
for name in $names; do
    file="$source_dir/$name.crt"
    [ -r "$file" ] || { echo "missing $file" >&2; exit 1; }
    subject=$(openssl x509 -in "$file" -noout -subject)
    enddate=$(openssl x509 -in "$file" -noout -enddate)
    # -checkend 0 fails for a certificate that has already expired.
    openssl x509 -in "$file" -noout -checkend 0 >/dev/null || { echo "$name has expired ($enddate)" >&2; exit 1; }
    echo "$name: $subject, $enddate" >&2
    {
        echo "# $subject"
        echo "# $enddate"
        openssl x509 -in "$file" -outform PEM
    } >>"$temporary"
done
chmod 644 "$temporary"
mv "$temporary" "$output"
trap - EXIT
echo "wrote $output ($(grep -c 'BEGIN CERTIFICATE' "$output") certificates, generated $(date -u -d "@$now" +%Y-%m-%d))" >&2
