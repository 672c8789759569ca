#!/usr/bin/python3
"""A WSS server on 127.0.0.1 for the WebSocket client tests (aiohttp, Debian python3-aiohttp).

Usage: wss_test_server.py <server.pem> <server.key>
Prints "PORT <n>" on stdout once listening, then serves until terminated.

Any request path is upgraded to a WebSocket, except paths starting with /forbidden, which get
HTTP 403 (like KVS on a bad signature). Pings are answered by hand (autoping off) so the server
can record when they arrive and stop answering on request.

Text messages are echoed, except commands (starting with "!"):
  !info               reply JSON {"target": raw request target, "host": Host header, "sni": SNI}
  !fragment <n> <txt> send <txt> as one text message split into n frames (RFC 6455 section 5.4)
  !oversize <bytes>   send one text message of that many bytes, then the text "after-oversize"
  !badutf8            send a text frame that is not UTF-8, then the text "after-badutf8"
  !close <code> <why> close cleanly with that code and reason
  !drop               cut the TCP connection with no close frame
  !silence            stop answering pings from now on
  !pings              reply JSON {"pings": [monotonic ms of each ping received]}
  !binary <text>      send <text> back as a binary message
  !ping <data>        ping the client; reply "pong <data>" when its pong arrives
Binary messages are echoed as binary.
"""
import asyncio
import json
import signal
import socket
import ssl
import struct
import sys
import time

from aiohttp import WSMsgType, web

last_sni = {"name": None}


def frame(opcode, payload, fin=True):
    """A server-to-client frame (unmasked, RFC 6455 section 5.2)."""
    first = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", first, n)
    elif n < 65536:
        header = struct.pack("!BBH", first, 126, n)
    else:
        header = struct.pack("!BBQ", first, 127, n)
    return header + payload


async def websocket(request):
    if request.path.startswith("/forbidden"):
        return web.json_response({"message": "The request signature we calculated does not match"}, status=403)
    ws = web.WebSocketResponse(autoping=False, heartbeat=None, max_msg_size=8 * 1024 * 1024)
    await ws.prepare(request)
    transport = request.transport
    state = {"silent": False, "pings": []}
    async for msg in ws:
        if msg.type == WSMsgType.PING:
            state["pings"].append(time.monotonic() * 1000.0)
            if not state["silent"]:
                await ws.pong(msg.data)
        elif msg.type == WSMsgType.PONG:
            await ws.send_str("pong " + msg.data.decode())
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
        elif msg.type == WSMsgType.TEXT:
            if await command(ws, transport, request, state, msg.data):
                break
        elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            break
    return ws


async def command(ws, transport, request, state, text):
    """Handles one text message; returns True when the connection is over."""
    if not text.startswith("!"):
        await ws.send_str(text)
        return False
    name, _, rest = text.partition(" ")
    if name == "!info":
        await ws.send_str(json.dumps({
            "target": request.raw_path,
            "host": request.headers.get("Host"),
            "sni": last_sni["name"],
        }))
    elif name == "!fragment":
        count, _, body = rest.partition(" ")
        data = body.encode()
        count = max(1, int(count))
        size = -(-len(data) // count)
        parts = [data[i * size:(i + 1) * size] for i in range(count)]
        out = b""
        for index, part in enumerate(parts):
            opcode = 0x1 if index == 0 else 0x0
            out += frame(opcode, part, fin=index == count - 1)
        transport.write(out)
    elif name == "!oversize":
        size = int(rest)
        transport.write(frame(0x1, b"x" * size))
        await ws.send_str("after-oversize")
    elif name == "!badutf8":
        transport.write(frame(0x1, b"\xc3\x28 not utf-8"))
        await ws.send_str("after-badutf8")
    elif name == "!close":
        code, _, reason = rest.partition(" ")
        await ws.close(code=int(code), message=reason.encode())
        return True
    elif name == "!drop":
        transport.abort()
        return True
    elif name == "!silence":
        state["silent"] = True
        await ws.send_str("silent")
    elif name == "!pings":
        await ws.send_str(json.dumps({"pings": state["pings"]}))
    elif name == "!ping":
        await ws.ping(rest.encode())
    elif name == "!binary":
        await ws.send_bytes(rest.encode())
    else:
        await ws.send_str("unknown command " + name)
    return False


async def main():
    # A parent whose spawning thread blocks signals passes that mask on; unblock SIGTERM so
    # the test can stop this server by PID.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])

    def remember_sni(sslobj, name, ctx):
        last_sni["name"] = name

    context.sni_callback = remember_sni
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", websocket)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, sock, ssl_context=context)
    await site.start()
    print("PORT %d" % sock.getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
