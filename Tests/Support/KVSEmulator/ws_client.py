#!/usr/bin/python3
"""A line-oriented WebSocket client for tests of the KVS emulator, playing a signaling master
or viewer with a URL the test presigned.

usage: ws_client.py URL CA_PEM
stdout, one JSON object per line:
  {"event": "connected"}
  {"event": "handshake-failed", "status": 403, "body": "..."}
  {"event": "message", "data": <the text frame, parsed as JSON when it is JSON>}
  {"event": "closed", "code": <close code or null>, "error": <text or null>}
stdin: each line is sent as one text frame; end of input closes the socket.
"""
import asyncio
import json
import ssl
import sys

try:
    import aiohttp
except ImportError as error:
    sys.stderr.write("cannot import aiohttp (%s): install the Debian package python3-aiohttp\n" % error)
    sys.exit(3)


def emit(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


async def pump_stdin(ws):
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            await ws.close()
            return
        if line.strip():
            await ws.send_str(line.rstrip("\n"))


async def run(url, ca):
    context = ssl.create_default_context(cafile=ca)
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(url, ssl=context, autoping=True, max_msg_size=0)
        except aiohttp.WSServerHandshakeError as error:
            emit({"event": "handshake-failed", "status": error.status, "body": error.message})
            return
        except aiohttp.ClientError as error:
            emit({"event": "handshake-failed", "status": None, "body": str(error)})
            return
        emit({"event": "connected"})
        writer = asyncio.ensure_future(pump_stdin(ws))
        error = None
        try:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    try:
                        data = json.loads(message.data)
                    except ValueError:
                        data = message.data
                    emit({"event": "message", "data": data})
                elif message.type == aiohttp.WSMsgType.ERROR:
                    error = str(ws.exception())
        except Exception as failure:  # a reset surfaces here on some paths
            error = repr(failure)
        emit({"event": "closed", "code": ws.close_code, "error": error or (str(ws.exception()) if ws.exception() else None)})
        writer.cancel()


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2]))
    sys.stdout.flush()
    # The stdin reader thread may still block in readline(); leave without waiting for it.
    import os
    os._exit(0)
