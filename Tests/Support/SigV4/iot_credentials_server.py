#!/usr/bin/python3
"""A stand-in for the AWS IoT credentials provider endpoint, for the fetch tests.

Usage: iot_credentials_server.py <server.pem> <server.key> <client-ca.pem> [tls1.2]
                                 [--credentials FILE --lifetime SECONDS]
Listens on 127.0.0.1 (port chosen by the OS, printed as "PORT <n>" on stdout), requires a
client certificate signed by <client-ca.pem> (TLS handshake fails otherwise), and answers
  GET /role-aliases/<alias>/credentials
with the credentials JSON for alias "camera-role" when the x-amzn-iot-thingname header is
"cam-1", HTTP 403 {"message": "Access Denied"} for alias "denied", 404 otherwise.

With --credentials, FILE holds a JSON list of {"accessKeyId", "secretAccessKey",
"sessionToken"}: fetch n hands out entry n (the last one repeats), expiring SECONDS after the
fetch, and prints "FETCH <n> <accessKeyId>" on stdout, so a test can count the fetches.
Runs until terminated.
"""
import datetime
import http.server
import json
import signal
import ssl
import sys
import threading

CREDENTIALS = {
    "credentials": {
        "accessKeyId": "ASIAIOTEXAMPLE000001",
        "secretAccessKey": "iotSecretKeyDoNotLog/abcdefghijklmnopqrstu",
        "sessionToken": "iotSessionTokenDoNotLog+xyz==",
        "expiration": "2026-11-21T08:15:27Z",
    }
}


class Rotation:
    """The scripted credentials of --credentials, handed out in order."""

    def __init__(self, entries, lifetime):
        self.entries = entries
        self.lifetime = lifetime
        self.fetches = 0
        self.lock = threading.Lock()

    def next(self):
        with self.lock:
            entry = self.entries[min(self.fetches, len(self.entries) - 1)]
            self.fetches += 1
            expiration = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=self.lifetime)
            print("FETCH %d %s" % (self.fetches, entry["accessKeyId"]), flush=True)
        credentials = dict(entry)
        credentials["expiration"] = expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"credentials": credentials}


ROTATION = None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/role-aliases/camera-role/credentials" and self.headers.get("x-amzn-iot-thingname") == "cam-1":
            self.reply(200, ROTATION.next() if ROTATION is not None else CREDENTIALS)
        elif self.path == "/role-aliases/denied/credentials":
            self.reply(403, {"message": "Access Denied"})
        else:
            self.reply(404, {"message": "Not found: %s" % self.path})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    # A parent whose spawning thread blocks signals (libdispatch workers do) passes that mask
    # on; unblock SIGTERM so the test can stop this server by PID.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    global ROTATION
    arguments = sys.argv[4:]
    if "--credentials" in arguments:
        index = arguments.index("--credentials")
        with open(arguments[index + 1]) as file:
            entries = json.load(file)
        lifetime = 60
        if "--lifetime" in arguments:
            lifetime = int(arguments[arguments.index("--lifetime") + 1])
        ROTATION = Rotation(entries, lifetime)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    context.load_verify_locations(sys.argv[3])
    context.verify_mode = ssl.CERT_REQUIRED
    if "tls1.2" in arguments:
        # TLS 1.2 reports a refused client certificate inside the handshake; TLS 1.3 only after it.
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
