"""Faults the KVS emulator injects below the KVS API: what a load balancer or a broken network
path does to a request, as opposed to the service's own rest-json errors.

  * "html": the next N matching requests are answered by "the load balancer" with an HTTP
    502/503 and an HTML page (no x-amzn-ErrorType, no JSON), before SigV4 is looked at.
  * "truncate": the next N matching requests get the start of a real response (status line,
    headers, part of the body, each in complete TLS records), then the first bytes of one more
    TLS application-data record, then the TCP connection ends (FIN, or RST with mode "rst"):
    the client sees a TLS record cut in the middle.
The same record cut can hit the master's open WebSocket (`truncate_socket`)."""
import os
import socket
import struct

# A TLS 1.2/1.3 application-data record header (RFC 8446 §5.1: type 23, legacy version 0x0303)
# announcing 16 KiB of ciphertext, of which only a few hundred bytes ever arrive.
PARTIAL_RECORD_LENGTH = 16384
PARTIAL_RECORD_SENT = 300

HTML_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable",
                504: "Gateway Time-out"}

# A marker inside the HTML page: tests check that it never reaches the client's log.
HTML_MARKER = "lb-page-body-marker-7f3e"


def html_page(status):
    reason = HTML_REASONS.get(status, "Error")
    filler = "".join("<!-- padding line %03d: a load balancer error page -->\n" % i for i in range(40))
    return ("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n"
            "<p>%s</p>\r\n%s</body>\r\n</html>\r\n" % (status, reason, status, reason, HTML_MARKER, filler)).encode()


class HTTPFaults:
    """Pending request faults, consumed in the order they were added."""

    def __init__(self, stats):
        self.stats = stats
        self.pending = []

    def add(self, kind, count, listener=None, operations=None, status=502, mode="fin", partial_response=True):
        self.pending.append({"kind": kind, "count": int(count), "listener": listener,
                             "operations": set(operations) if operations else None, "status": int(status),
                             "mode": mode, "partialResponse": bool(partial_response)})

    def take(self, listener, operation):
        """The fault for this request, if one is pending for it (its count drops by one)."""
        for fault in self.pending:
            if fault["count"] <= 0:
                continue
            if fault["listener"] not in (None, listener):
                continue
            if fault["operations"] is not None and operation not in fault["operations"]:
                continue
            fault["count"] -= 1
            self.stats.count("injected", "%s:%s" % (fault["kind"], operation))
            return fault
        return None

    def remaining(self):
        return sum(max(f["count"], 0) for f in self.pending)


def _raw_fd(transport):
    raw = transport.get_extra_info("socket") if transport is not None else None
    return raw.fileno() if raw is not None else None


def cut_connection(transport, mode):
    """Writes a partial TLS record straight onto the TCP socket under `transport` (bypassing
    the TLS layer), then ends the connection with FIN ("fin") or RST ("rst")."""
    fd = _raw_fd(transport)
    if fd is None:
        if transport is not None:
            transport.abort()
        return False
    header = struct.pack("!BHH", 23, 0x0303, PARTIAL_RECORD_LENGTH)
    duplicate = socket.socket(fileno=os.dup(fd))
    try:
        duplicate.setblocking(True)
        duplicate.sendall(header + os.urandom(PARTIAL_RECORD_SENT))
        if mode == "rst":
            # Linger 0: close() sends RST instead of FIN.
            duplicate.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            duplicate.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    finally:
        duplicate.close()
    transport.abort()
    return True


async def truncated_response(request, mode, partial_response=True):
    """Starts a plausible 200 response (unless `partial_response` is false), then cuts the
    connection in the middle of a TLS record."""
    from aiohttp import web
    if not partial_response:
        cut_connection(request.transport, mode)
        return web.Response(status=200)
    body_start = b'{"ChannelInfo":{"ChannelName":"'
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/x-amz-json-1.1",
                                                       "Content-Length": "4096"})
    await response.prepare(request)
    await response.write(body_start)
    await response.drain()
    cut_connection(request.transport, mode)
    return response
