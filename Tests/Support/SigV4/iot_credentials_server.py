#!/usr/bin/python3
"""A stand-in for the AWS IoT credentials provider endpoint, for the fetch tests.

Usage: iot_credentials_server.py <server.pem> <server.key> <client-ca.pem> [tls1.2]
Listens on 127.0.0.1 (port chosen by the OS, printed as "PORT <n>" on stdout), requires a
client certificate signed by <client-ca.pem> (TLS handshake fails otherwise), and answers
  GET /role-aliases/<alias>/credentials
with the credentials JSON for alias "camera-role" when the x-amzn-iot-thingname header is
"cam-1", HTTP 403 {"message": "Access Denied"} for alias "denied", 404 otherwise.
Runs until terminated.
"""
import http.server
import json
import signal
import ssl
import sys

CREDENTIALS = {
    "credentials": {
        "accessKeyId": "ASIAIOTEXAMPLE000001",
        "secretAccessKey": "iotSecretKeyDoNotLog/abcdefghijklmnopqrstu",
        "sessionToken": "iotSessionTokenDoNotLog+xyz==",
        "expiration": "2026-11-21T08:15:27Z",
    }
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/role-aliases/camera-role/credentials" and self.headers.get("x-amzn-iot-thingname") == "cam-1":
            self.reply(200, CREDENTIALS)
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
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    context.load_verify_locations(sys.argv[3])
    context.verify_mode = ssl.CERT_REQUIRED
    if sys.argv[4:] == ["tls1.2"]:
        # TLS 1.2 reports a refused client certificate inside the handshake; TLS 1.3 only after it.
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
