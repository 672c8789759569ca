#!/usr/bin/python3
"""A scripted HTTPS server standing in for the KVS REST endpoints in the RESTClient tests.

Usage: kvs_rest_server.py <server.pem> <server.key> <log.jsonl> <access-key> <secret-key> [clock-offset-seconds]

Listens on 127.0.0.1 (port chosen by the OS, printed as "PORT <n>" on stdout), speaks HTTP/1.1
with keep-alive, and appends one JSON line per request to <log.jsonl> *before* answering:
  {"method", "path", "body", "headers": [[name, value]...], "peerPort", "signature": "valid" |
   "unsigned" | "mismatch: ..."}
The server's clock is the real clock plus clock-offset-seconds (default 0): it sends that time
in Date and rejects SigV4 requests whose X-Amz-Date is more than 5 minutes away from it, with
the service's "Signature expired" / "Signature not yet current" messages. After logging a
request it prints "LOGGED <count>" on stdout, and "CONNECTIONS <n>" whenever a TLS connection
opens or closes.

Every request carrying an Authorization header is re-signed with botocore's SigV4Auth (the
AWS SDK for Python's signer) over the headers it names and the secret given on the command
line; a different signature is logged as a mismatch and answered 403.

Generic paths:  /echo (body back), /status/<n>, /big/<n> (n bytes), /hang (never answers),
                /date/<seconds> (200 with Date moved by that many seconds).
KVS paths (/describeSignalingChannel, /createSignalingChannel, /getSignalingChannelEndpoint,
/v1/get-ice-server-config, /describeMediaStorageConfiguration, /joinStorageSession) answer like
the service; the channel name (from ChannelName, or the name inside ChannelARN/channelArn)
picks a scripted failure:
  error.<Type>.<status>.header   x-amzn-ErrorType header + {"Message": ...}
  error.<Type>.<status>.body     {"__type": "com.amazonaws.kinesisvideo#<Type>", "message": ...}
  html502                        502 with an HTML page
  hang                           no answer
  malformed                      200 with a body that is not JSON
Runs until terminated.
"""
import datetime
import email.utils
import http.server
import json
import signal
import ssl
import sys
import threading
import time

try:
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
except ImportError as error:  # pragma: no cover - exercised when the package is missing
    sys.stderr.write("cannot import botocore (%s): install the Debian package python3-botocore\n" % error)
    sys.exit(3)


class _FixedClock(datetime.datetime):
    current = datetime.datetime(1970, 1, 1)

    @classmethod
    def utcnow(cls):
        return cls.current


class _DatetimeModule:
    datetime = _FixedClock


botocore.auth.datetime = _DatetimeModule
SIGN_LOCK = threading.Lock()
LOG_LOCK = threading.Lock()
ACCOUNT = "123456789012"
HTML_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
    + "<p>upstream-detail-that-must-not-be-logged</p>" * 100
    + "</body></html>"
)


def arn(name):
    return "arn:aws:kinesisvideo:us-west-2:%s:channel/%s/1234567890123" % (ACCOUNT, name)


def channel_name(body):
    if not isinstance(body, dict):
        return ""
    if isinstance(body.get("ChannelName"), str):
        return body["ChannelName"]
    value = body.get("ChannelARN") or body.get("channelArn") or ""
    parts = value.split("/") if isinstance(value, str) else []
    return parts[1] if len(parts) >= 3 else ""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    extra_offset = 0

    def setup(self):
        # The handshake runs here, on the connection's own thread, so a client that fails it
        # (an untrusted certificate) does not hold up the accept loop.
        self.request.do_handshake()
        super().setup()
        self.server.connection_opened(1)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.connection_opened(-1)

    def log_message(self, *args):
        pass

    def date_time_string(self, timestamp=None):
        return email.utils.formatdate(self.server.now() + self.extra_offset, usegmt=True)

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.extra_offset = 0
        verdict = self.check_signature(body)
        self.server.record({
            "method": self.command, "path": self.path, "body": body.decode("utf-8", "replace"),
            "headers": [[k, v] for k, v in self.headers.items()], "peerPort": self.client_address[1],
            "signature": verdict,
        })
        if verdict.startswith("skew:"):
            return self.reply_json(403, {"message": verdict[5:]}, error_type="InvalidSignatureException")
        if verdict.startswith("mismatch"):
            return self.reply_json(
                403, {"message": "The request signature we calculated does not match the signature you provided."},
                error_type="InvalidSignatureException")
        self.route(body)

    # MARK: SigV4 verification with botocore

    def check_signature(self, body):
        authorization = self.headers.get("Authorization")
        if not authorization:
            return "unsigned"
        try:
            fields = dict(part.strip().split("=", 1) for part in authorization[len("AWS4-HMAC-SHA256 "):].split(","))
            _, date, region, service, _ = fields["Credential"].split("/")
            signed = fields["SignedHeaders"].split(";")
            amz_date = self.headers["X-Amz-Date"]
            signing_time = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        except (KeyError, ValueError) as error:
            return "mismatch: unparsable Authorization (%s)" % error
        server_time = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=int(self.server.now()))
        stamp = lambda moment: moment.strftime("%Y%m%dT%H%M%SZ")
        five = datetime.timedelta(minutes=5)
        if signing_time < server_time - five:
            return "skew:Signature expired: %s is now earlier than %s (%s - 5 min.)" % (
                amz_date, stamp(server_time - five), stamp(server_time))
        if signing_time > server_time + five:
            return "skew:Signature not yet current: %s is still later than %s (%s + 5 min.)" % (
                amz_date, stamp(server_time + five), stamp(server_time))
        credentials = botocore.credentials.Credentials(
            self.server.access_key, self.server.secret_key, self.headers.get("X-Amz-Security-Token"))
        request = botocore.awsrequest.AWSRequest(
            method=self.command, url="https://%s%s" % (self.headers["Host"], self.path), data=body)
        for name in signed:
            if name not in ("x-amz-date", "x-amz-security-token"):
                request.headers[name] = self.headers[name]
        with SIGN_LOCK:
            _FixedClock.current = signing_time
            botocore.auth.SigV4Auth(credentials, service, region).add_auth(request)
        expected = request.headers["Authorization"]
        if expected != authorization:
            return "mismatch: botocore %s, got %s" % (expected, authorization)
        if date != amz_date[:8]:
            return "mismatch: scope date %s vs %s" % (date, amz_date)
        return "valid"

    # MARK: Answers

    def route(self, body):
        path = self.path
        if path == "/echo":
            return self.reply(200, body, "application/octet-stream")
        if path.startswith("/status/"):
            status = int(path[len("/status/"):])
            return self.reply(status, ("status %d" % status).encode(), "text/plain")
        if path.startswith("/big/"):
            return self.reply(200, b"x" * int(path[len("/big/"):]), "application/octet-stream")
        if path == "/hang":
            return self.hang()
        if path.startswith("/date/"):
            self.extra_offset = int(path[len("/date/"):])
            return self.reply_json(200, {"ok": True})
        try:
            request = json.loads(body.decode("utf-8")) if body else {}
        except ValueError:
            return self.reply_json(400, {"message": "body is not JSON"}, error_type="SerializationException")
        name = channel_name(request)
        if name.startswith("error."):
            _, error_type, status, where = name.split(".", 3)
            message = "%s for test" % error_type
            if where == "header":
                return self.reply_json(
                    int(status), {"Message": message},
                    error_type="%s:http://internal.amazon.com/coral/com.amazonaws.kinesisvideo/" % error_type)
            return self.reply_json(int(status), {"__type": "com.amazonaws.kinesisvideo#%s" % error_type, "message": message})
        if name == "html502":
            return self.reply(502, HTML_PAGE.encode(), "text/html; charset=utf-8")
        if name == "hang":
            return self.hang()
        if name == "malformed":
            return self.reply(200, b"{not json", "application/json")
        self.kvs_answer(path, request, name)

    def kvs_answer(self, path, request, name):
        base = "127.0.0.1:%d" % self.server.server_address[1]
        if path == "/describeSignalingChannel":
            return self.reply_json(200, {"ChannelInfo": {
                "ChannelName": name, "ChannelARN": arn(name), "ChannelStatus": "ACTIVE", "ChannelType": "SINGLE_MASTER",
                "SingleMasterConfiguration": {"MessageTtlSeconds": 60}, "Version": "1"}})
        if path == "/createSignalingChannel":
            return self.reply_json(200, {"ChannelARN": arn(name)})
        if path == "/getSignalingChannelEndpoint":
            protocols = request.get("SingleMasterChannelEndpointConfiguration", {}).get("Protocols", [])
            urls = {"WSS": "wss://%s" % base, "HTTPS": "https://%s" % base, "WEBRTC": "https://%s/webrtc" % base}
            return self.reply_json(200, {"ResourceEndpointList": [
                {"Protocol": p, "ResourceEndpoint": urls[p]} for p in protocols if p in urls]})
        if path == "/v1/get-ice-server-config":
            return self.reply_json(200, {"IceServerList": [{
                "Password": "turnPasswordDoNotLog", "Ttl": 300, "Uris": ["turn:127.0.0.1:3478?transport=udp"],
                "Username": "1700000000:%s" % request.get("ClientId", "")}]})
        if path == "/describeMediaStorageConfiguration":
            return self.reply_json(200, {"MediaStorageConfiguration": {
                "Status": "ENABLED", "StreamARN": "arn:aws:kinesisvideo:us-west-2:%s:stream/%s/1" % (ACCOUNT, name)}})
        if path in ("/joinStorageSession", "/webrtc/joinStorageSession"):
            return self.reply(200, b"", "application/json")
        return self.reply_json(404, {"message": "no route %s" % path}, error_type="UnknownOperationException")

    def hang(self):
        # Keep the connection open, answering nothing, until the client gives up and closes it.
        self.close_connection = True
        try:
            while self.connection.recv(1024):
                pass
        except (OSError, ssl.SSLError):
            pass

    def reply_json(self, status, value, error_type=None):
        headers = [("x-amzn-ErrorType", error_type)] if error_type else []
        self.reply(status, json.dumps(value).encode(), "application/json", headers)

    def reply(self, status, data, content_type, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, context, log_path, access_key, secret_key, clock_offset):
        super().__init__(("127.0.0.1", 0), Handler)
        self.context = context
        self.log = open(log_path, "a", encoding="utf-8")
        self.access_key = access_key
        self.secret_key = secret_key
        self.clock_offset = clock_offset
        self.count = 0
        self.open_connections = 0

    def now(self):
        return time.time() + self.clock_offset

    def get_request(self):
        connection, address = self.socket.accept()
        return self.context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False), address

    def connection_opened(self, delta):
        with LOG_LOCK:
            self.open_connections += delta
            print("CONNECTIONS %d" % self.open_connections, flush=True)

    def record(self, entry):
        with LOG_LOCK:
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()
            self.count += 1
            # Tests that need a request to be in flight block reading this line.
            print("LOGGED %d" % self.count, flush=True)

    def handle_error(self, request, client_address):
        # Failed handshakes and clients that hang up are part of the tests.
        pass


def main():
    # A parent whose spawning thread blocks signals passes that mask on; unblock SIGTERM so the
    # test can stop this server by PID.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    offset = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    server = Server(context, sys.argv[3], sys.argv[4], sys.argv[5], offset)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
