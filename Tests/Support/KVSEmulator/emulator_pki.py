"""Test certificate authority for the KVS emulator: a CA and a server certificate for
localhost and 127.0.0.1, made with the openssl command-line tool in a directory the caller
owns."""
import os
import subprocess

OPENSSL = "/usr/bin/openssl"


class PKIError(Exception):
    pass


def _run(args, cwd):
    result = subprocess.run(
        [OPENSSL] + args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        raise PKIError("openssl %s failed: %s" % (args[0], result.stderr.decode(errors="replace")))


def create(directory):
    """Writes ca.pem, ca.key, server.pem, server.key into `directory`; returns their paths."""
    if not os.access(OPENSSL, os.X_OK):
        raise PKIError("%s is missing: install the Debian package 'openssl'" % OPENSSL)
    paths = {name: os.path.join(directory, name) for name in ("ca.pem", "ca.key", "server.pem", "server.key")}
    extensions = os.path.join(directory, "server.ext")
    with open(extensions, "w") as handle:
        handle.write(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", paths["ca.key"], "-out", paths["ca.pem"], "-days", "2", "-subj", "/CN=kvsmaster test CA",
          "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
         directory)
    _run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", paths["server.key"], "-out", os.path.join(directory, "server.csr"), "-subj", "/CN=localhost"],
         directory)
    _run(["x509", "-req", "-in", os.path.join(directory, "server.csr"), "-CA", paths["ca.pem"],
          "-CAkey", paths["ca.key"], "-CAcreateserial", "-days", "2", "-extfile", extensions,
          "-out", paths["server.pem"]], directory)
    return paths
