"""Plain-HTTP admin API of the KVS emulator, on 127.0.0.1 only: fault injection, clock and
TTL knobs, statistics, and "virtual viewers" so tests can play viewers without a WebSocket.

All bodies are JSON. `channel` (a name) is optional wherever a channel is meant; without it the
channel with a connected master is used, else the only channel.
  GET  /stats                                  counters
  GET  /turn                                   {"secret", "port", "realm"} of coturn (test CA world only)
  POST /clock            {"offsetSeconds"}     moves the emulator's clock
  POST /ice-ttl          {"seconds"}           Ttl of later GetIceServerConfig answers
  POST /refuse           {"seconds", "mode": "tcp"|"503", "listeners": ["control","signaling"]}
  GET  /refuse/wait      ?timeout=S            returns once every listener accepts again
  GET  /master/wait      ?timeout=S&connected=1|0   waits for the master to (dis)connect
  POST /master/go-away                         GO_AWAY event to the master
  POST /master/reconnect-ice-server            RECONNECT_ICE_SERVER event
  POST /master/status-response {"correlationId","errorType","statusCode","description"}
  POST /master/send      {"text"}              any text frame to the master
  POST /master/close     {"code"}              close frame
  POST /master/reset                           TCP reset, no close frame
  POST /master/truncate  {"mode": "fin"|"rst"}  a TLS record cut in the middle, then FIN or RST
  POST /fault/html       {"count", "status", "listener": "control"|"signaling", "operations": [...]}
                         the next `count` matching requests get a load balancer's HTML error page
  POST /fault/truncate   {"count", "mode", "listener", "operations", "partialResponse": true|false}
                         the next `count` matching requests get a response cut mid TLS record
  POST /credentials      {"accessKeyId", "secretAccessKey", "sessionToken"}   accept one more key
  POST /credentials/remove {"accessKeyId"}     stop accepting a key
  POST /viewer/{id}/send {"action","messagePayload" | "payload", "correlationId"}
  GET  /viewer/{id}/received ?count=N&timeout=S   what the master sent to viewer {id}
  POST /storage/offer    {"messagePayload" | "payload"}   SDP_OFFER without senderClientId
  GET  /storage/received ?count=N&timeout=S   what the master sent with no recipientClientId
  POST /channels/{name}/delete
"""
import asyncio
import base64
import json
import socket
import struct

from aiohttp import web

import emulator_faults
import emulator_signaling as sig


def _json(data, status=200):
    return web.json_response(data, status=status)


def _problem(status, message):
    return _json({"error": message}, status)


async def _body(request):
    if not request.can_read_body:
        return {}
    try:
        value = await request.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _channel(emulator, name):
    if name is not None:
        return emulator.channels.get(name)
    for channel in emulator.channels.values():
        if channel.master is not None and not channel.master.closed:
            return channel
    return next(iter(emulator.channels.values()), None)


def _payload(body):
    if "messagePayload" in body:
        return body["messagePayload"]
    if "payload" in body:
        return base64.b64encode(body["payload"].encode()).decode()
    return None


def _timeout(request, default=5.0):
    try:
        return min(float(request.query.get("timeout", default)), 60.0)
    except ValueError:
        return default


def admin_app(emulator):
    app = web.Application()
    routes = web.RouteTableDef()

    async def master_of(request):
        body = await _body(request)
        channel = _channel(emulator, body.get("channel") or request.query.get("channel"))
        if channel is None:
            raise web.HTTPNotFound(text="no such channel")
        if channel.master is None or channel.master.closed:
            raise web.HTTPConflict(text="no master connected")
        return channel, body

    @routes.get("/stats")
    async def stats(request):
        data = dict(emulator.stats.values)
        data["clockOffset"] = emulator.clock_offset
        data["iceTtl"] = emulator.ice_ttl
        data["channels"] = {
            c.name: {"arn": c.arn, "master": c.master is not None and not c.master.closed,
                     "viewers": sorted(k for k, v in c.viewers.items() if not v.closed)}
            for c in emulator.channels.values()}
        return _json(data)

    @routes.get("/turn")
    async def turn(request):
        if emulator.turn is None:
            return _problem(404, "coturn is not running (--no-turn)")
        return _json({"secret": emulator.turn.secret, "port": emulator.turn.port, "realm": "kvsmaster.test",
                      "pid": emulator.turn.pid})

    @routes.post("/clock")
    async def clock(request):
        emulator.clock_offset = float((await _body(request)).get("offsetSeconds", 0))
        return _json({"clockOffset": emulator.clock_offset})

    @routes.post("/ice-ttl")
    async def ice_ttl(request):
        emulator.ice_ttl = int((await _body(request)).get("seconds", 300))
        return _json({"iceTtl": emulator.ice_ttl})

    @routes.post("/refuse")
    async def refuse(request):
        body = await _body(request)
        seconds = float(body.get("seconds", 1))
        if body.get("mode", "tcp") == "503":
            emulator.unavailable_until = asyncio.get_running_loop().time() + seconds
        else:
            for name in body.get("listeners", ["control", "signaling"]):
                emulator.listeners[name].refuse(seconds)
        return _json({"refusedFor": seconds})

    @routes.get("/refuse/wait")
    async def refuse_wait(request):
        events = [l.reopened.wait() for n, l in emulator.listeners.items() if n != "admin"]
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(asyncio.gather(*events), _timeout(request))
            remaining = emulator.unavailable_until - loop.time()
            if remaining > 0:
                await asyncio.sleep(remaining)
        except asyncio.TimeoutError:
            return _problem(408, "still refusing")
        return _json({"accepting": True})

    @routes.get("/master/wait")
    async def master_wait(request):
        want = request.query.get("connected", "1") != "0"
        channel = _channel(emulator, request.query.get("channel"))
        if channel is None:
            return _problem(404, "no such channel")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _timeout(request)
        while (channel.master is not None and not channel.master.closed) != want:
            changed = channel.master_changed
            try:
                await asyncio.wait_for(changed.wait(), max(deadline - loop.time(), 0))
            except asyncio.TimeoutError:
                return _problem(408, "master connected is not %s" % want)
        return _json({"connected": want})

    async def send_event(request, message):
        channel, _ = await master_of(request)
        sent = await emulator.hub.send(channel.master, message)
        return _json({"sent": sent})

    @routes.post("/master/go-away")
    async def go_away(request):
        emulator.stats.count("injected", "GO_AWAY")
        return await send_event(request, sig.event("GO_AWAY"))

    @routes.post("/master/reconnect-ice-server")
    async def reconnect_ice(request):
        emulator.stats.count("injected", "RECONNECT_ICE_SERVER")
        return await send_event(request, sig.event("RECONNECT_ICE_SERVER"))

    @routes.post("/master/status-response")
    async def status(request):
        body = await _body(request)
        emulator.stats.count("injected", "STATUS_RESPONSE")
        return await send_event(request, sig.status_response(
            body.get("correlationId", "1"), body.get("errorType", "InvalidArgumentException"),
            body.get("statusCode", "400"), body.get("description", "injected by the test")))

    @routes.post("/master/send")
    async def send_text(request):
        channel, body = await master_of(request)
        await channel.master.send_str(body.get("text", ""))
        return _json({"sent": True})

    @routes.post("/master/close")
    async def close(request):
        channel, body = await master_of(request)
        await channel.master.close(code=int(body.get("code", 1001)), message=b"closed by the emulator")
        return _json({"closed": True})

    @routes.post("/master/reset")
    async def reset(request):
        channel, _ = await master_of(request)
        transport = channel.master_request.transport
        raw = transport.get_extra_info("socket") if transport is not None else None
        if raw is not None:
            # Linger 0: close() sends RST instead of FIN, as a dropped connection looks.
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if transport is not None:
            transport.abort()
        emulator.stats.count("injected", "reset")
        return _json({"reset": True})

    @routes.post("/master/truncate")
    async def truncate(request):
        channel, body = await master_of(request)
        cut = emulator_faults.cut_connection(channel.master_request.transport, body.get("mode", "fin"))
        emulator.stats.count("injected", "truncate:master")
        return _json({"truncated": cut})

    async def add_fault(request, kind):
        body = await _body(request)
        listener = body.get("listener")
        if listener not in (None, "control", "signaling"):
            return _problem(400, "listener must be control or signaling")
        operations = body.get("operations")
        if operations is not None and not isinstance(operations, list):
            return _problem(400, "operations must be a list of operation names")
        emulator.faults.add(kind, body.get("count", 1), listener, operations, body.get("status", 502),
                            body.get("mode", "fin"), body.get("partialResponse", True))
        return _json({"pending": emulator.faults.remaining()})

    @routes.post("/fault/html")
    async def fault_html(request):
        return await add_fault(request, "html")

    @routes.post("/fault/truncate")
    async def fault_truncate(request):
        return await add_fault(request, "truncate")

    @routes.post("/credentials")
    async def add_credential(request):
        body = await _body(request)
        access, secret = body.get("accessKeyId"), body.get("secretAccessKey")
        if not isinstance(access, str) or not isinstance(secret, str) or not access or not secret:
            return _problem(400, "accessKeyId and secretAccessKey are required")
        emulator.verifier.credentials[access] = (secret, body.get("sessionToken") or None)
        return _json({"accepted": sorted(emulator.verifier.credentials)})

    @routes.post("/credentials/remove")
    async def remove_credential(request):
        access = (await _body(request)).get("accessKeyId")
        if emulator.verifier.credentials.pop(access, None) is None:
            return _problem(404, "no such access key")
        return _json({"accepted": sorted(emulator.verifier.credentials)})

    @routes.post("/viewer/{client}/send")
    async def viewer_send(request):
        client = request.match_info["client"]
        body = await _body(request)
        channel = _channel(emulator, body.get("channel"))
        if channel is None:
            return _problem(404, "no such channel")
        action = body.get("action", "SDP_OFFER")
        payload = _payload(body)
        if action not in sig.ACTIONS or not payload:
            return _problem(400, "action and messagePayload/payload are required")
        delivered = await emulator.hub.deliver_to_master(channel, action, payload, client)
        return _json({"delivered": delivered}, 200 if delivered else 409)

    @routes.get("/viewer/{client}/received")
    async def viewer_received(request):
        return await received(request, request.match_info["client"])

    @routes.get("/storage/received")
    async def storage_received(request):
        return await received(request, sig.STORAGE_MAILBOX)

    async def received(request, client):
        channel = _channel(emulator, request.query.get("channel"))
        if channel is None:
            return _problem(404, "no such channel")
        count = int(request.query.get("count", 0))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _timeout(request)
        while len(channel.mailboxes.get(client, [])) < count:
            changed = channel.mailbox_changed
            try:
                await asyncio.wait_for(changed.wait(), max(deadline - loop.time(), 0))
            except asyncio.TimeoutError:
                break
        return _json({"messages": channel.mailboxes.get(client, [])})

    @routes.post("/storage/offer")
    async def storage_offer(request):
        body = await _body(request)
        channel = _channel(emulator, body.get("channel"))
        payload = _payload(body) or sig.storage_offer_payload()
        emulator.storage_sessions.add(channel.arn)
        delivered = await emulator.hub.deliver_to_master(channel, body.get("action", "SDP_OFFER"), payload, None)
        return _json({"delivered": delivered}, 200 if delivered else 409)

    @routes.post("/channels/{name}/delete")
    async def delete(request):
        channel = emulator.channels.pop(request.match_info["name"], None)
        if channel is None:
            return _problem(404, "no such channel")
        return _json({"deleted": channel.arn})

    app.add_routes(routes)
    return app
