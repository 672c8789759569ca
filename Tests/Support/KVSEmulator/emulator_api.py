"""HTTPS handlers of the KVS emulator: the control plane (KVS API reference, service
`kinesisvideo` 2017-09-30), GetIceServerConfig (service `kinesis-video-signaling` 2019-12-04),
JoinStorageSession (service `kinesis-video-webrtc-storage` 2018-05-10) and the signaling
WebSocket upgrade. Paths, members and error types follow the service models that botocore
ships; errors are rest-json errors as KVS sends them: the type in `x-amzn-ErrorType`, the text
in a JSON body (`Message` from the service, `message` from the SigV4 layer)."""
import asyncio
import email.utils
import json
import uuid

import aiohttp
from aiohttp import web

import emulator_faults
import emulator_signaling as sig
from emulator_sigv4 import SignatureFailure

SERVICE_NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.kinesisvideo.v20170930/"
AUTH_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.coral.service/"
MAX_FRAME = 128 * 1024  # the WebSocket gateway's frame limit; larger frames close with 1009


class ServiceError(Exception):
    def __init__(self, status, error_type, message):
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def error_response(status, error_type, message, namespace=SERVICE_NAMESPACE, member="Message"):
    return web.Response(
        status=status, body=json.dumps({member: message}).encode(), content_type="application/json",
        headers={"x-amzn-ErrorType": "%s:%s" % (error_type, namespace)})


def invalid(message):
    return ServiceError(400, "InvalidArgumentException", message)


def not_found(what="channel"):
    return ServiceError(404, "ResourceNotFoundException", "The requested %s is not found or not active." % what)


async def _add_headers(request, response):
    emulator = request.app["emulator"]
    response.headers["Date"] = email.utils.formatdate(emulator.now(), usegmt=True)
    response.headers.setdefault("x-amzn-RequestId", str(uuid.uuid4()))


def _make_app(emulator, api_name, routes):
    @web.middleware
    async def gate(request, handler):
        operation = routes.get((request.method, request.path))
        if emulator.unavailable_until > asyncio.get_running_loop().time():
            emulator.stats.count("refused", api_name)
            return error_response(503, "ServiceUnavailableException", "Service unavailable")
        if operation is None and not (api_name == "signaling" and request.method == "GET" and request.path == "/"):
            emulator.stats.count("calls", "UnknownOperation")
            return error_response(404, "UnknownOperationException", None, AUTH_NAMESPACE, "message")
        body = await request.read()
        raw_path, _, raw_query = request.raw_path.partition("?")
        headers = list(request.headers.items())
        name = operation.__name__ if operation else ("ConnectAsViewer" if "X-Amz-ClientId" in request.query
                                                     else "ConnectAsMaster")
        # Faults of the path in front of the service (a load balancer, the network) come first:
        # such a request never reaches the service, so it is not counted as a call.
        fault = emulator.faults.take(api_name, name)
        if fault is not None and fault["kind"] == "html":
            return web.Response(status=fault["status"], body=emulator_faults.html_page(fault["status"]),
                                content_type="text/html", headers={"Server": "awselb/2.0"})
        if fault is not None and fault["kind"] == "truncate":
            return await emulator_faults.truncated_response(request, fault["mode"], fault["partialResponse"])
        emulator.stats.count("calls", name)
        try:
            if operation is None:
                signer = emulator.verifier.verify_presigned(request.host, raw_path, raw_query, headers)
            else:
                signer = emulator.verifier.verify_header(request.method, request.host, raw_path, raw_query, headers,
                                                         body)
            emulator.stats.count("signedBy", signer)
            emulator.stats.count("signedBy:%s" % name, signer)
        except SignatureFailure as failure:
            emulator.stats.count("signatureFailures", failure.reason)
            return error_response(failure.status, failure.error_type, failure.message, AUTH_NAMESPACE, "message")
        if operation is None:
            return await handler(request)
        try:
            parsed = json.loads(body.decode("utf-8")) if body else {}
            if not isinstance(parsed, dict):
                raise ValueError("not an object")
        except ValueError:
            return error_response(400, "SerializationException", "Could not parse the request body as JSON.",
                                  AUTH_NAMESPACE, "message")
        try:
            result = await operation(emulator, parsed)
        except ServiceError as error:
            emulator.stats.count("errors", "%s:%s" % (name, error.error_type))
            return error_response(error.status, error.error_type, error.message)
        return web.json_response(result) if result is not None else web.Response(status=200)

    app = web.Application(middlewares=[gate], client_max_size=1024 * 1024)
    app["emulator"] = emulator
    app.on_response_prepare.append(_add_headers)
    if api_name == "signaling":
        app.router.add_get("/", connect)
    app.router.add_route("*", "/{tail:.*}", _unreachable)
    return app


async def _unreachable(request):  # every request is answered by the middleware
    return web.Response(status=500)


def control_plane_app(emulator):
    return _make_app(emulator, "control", {
        ("POST", "/describeSignalingChannel"): DescribeSignalingChannel,
        ("POST", "/createSignalingChannel"): CreateSignalingChannel,
        ("POST", "/getSignalingChannelEndpoint"): GetSignalingChannelEndpoint,
        ("POST", "/describeMediaStorageConfiguration"): DescribeMediaStorageConfiguration,
    })


def signaling_app(emulator):
    return _make_app(emulator, "signaling", {
        ("POST", "/v1/get-ice-server-config"): GetIceServerConfig,
        ("POST", "/joinStorageSession"): JoinStorageSession,
    })


# MARK: control plane

def _lookup(emulator, body):
    name, arn = body.get("ChannelName"), body.get("ChannelARN")
    if name is None and arn is None:
        raise invalid("Either ChannelName or ChannelARN must be specified.")
    if name is not None and (not isinstance(name, str) or not sig.CHANNEL_NAME.match(name)):
        raise invalid("1 validation error detected: Value at 'channelName' failed to satisfy constraint: "
                      "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
    if arn is not None and (not isinstance(arn, str) or not sig.CHANNEL_ARN.match(arn)):
        raise invalid("1 validation error detected: Value at 'channelARN' failed to satisfy constraint: "
                      "Member must satisfy regular expression pattern: "
                      "arn:[a-z\\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+/[a-zA-Z0-9_.-]+/[0-9]+")
    channel = emulator.channels.get(name) if name is not None else emulator.channel_by_arn(arn)
    if channel is None or (arn is not None and channel.arn != arn):
        raise not_found()
    return channel


async def DescribeSignalingChannel(emulator, body):
    channel = _lookup(emulator, body)
    status = "ACTIVE"
    if channel.creating_describes > 0:
        channel.creating_describes -= 1
        status = "CREATING"
    return {"ChannelInfo": channel.info(status)}


async def CreateSignalingChannel(emulator, body):
    name = body.get("ChannelName")
    if not isinstance(name, str) or not sig.CHANNEL_NAME.match(name):
        raise invalid("1 validation error detected: Value at 'channelName' failed to satisfy constraint: "
                      "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
    if body.get("ChannelType", "SINGLE_MASTER") != "SINGLE_MASTER":
        raise invalid("Only SINGLE_MASTER channels are supported.")
    config = body.get("SingleMasterConfiguration") or {}
    ttl = config.get("MessageTtlSeconds", 60) if isinstance(config, dict) else None
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 5 <= ttl <= 120:
        raise invalid("1 validation error detected: Value at 'singleMasterConfiguration.messageTtlSeconds' "
                      "failed to satisfy constraint: Member must have value between 5 and 120")
    if name in emulator.channels:
        raise ServiceError(400, "ResourceInUseException", "The signaling channel %s already exists." % name)
    return {"ChannelARN": emulator.create_channel(name, ttl).arn}


async def GetSignalingChannelEndpoint(emulator, body):
    arn = body.get("ChannelARN")
    if not isinstance(arn, str):
        raise invalid("ChannelARN is required.")
    channel = _lookup(emulator, {"ChannelARN": arn})
    config = body.get("SingleMasterChannelEndpointConfiguration") or {}
    protocols = config.get("Protocols") or ["WSS", "HTTPS"]
    role = config.get("Role", "MASTER")
    if role not in ("MASTER", "VIEWER"):
        raise invalid("Role must be MASTER or VIEWER.")
    if not isinstance(protocols, list) or not 1 <= len(protocols) <= 5 or any(
            p not in ("WSS", "HTTPS", "WEBRTC") for p in protocols):
        raise invalid("Protocols must be a list of WSS, HTTPS and WEBRTC.")
    endpoints = []
    for protocol in dict.fromkeys(protocols):
        if protocol == "WEBRTC" and channel.storage_stream_arn is None:
            raise invalid("The channel is not configured for media storage (WEBRTC endpoint).")
        scheme = "wss" if protocol == "WSS" else "https"
        endpoints.append({"Protocol": protocol, "ResourceEndpoint": emulator.endpoint(scheme)})
    return {"ResourceEndpointList": endpoints}


async def DescribeMediaStorageConfiguration(emulator, body):
    channel = _lookup(emulator, body)
    if channel.storage_stream_arn is None:
        return {"MediaStorageConfiguration": {"Status": "DISABLED"}}
    return {"MediaStorageConfiguration": {"StreamARN": channel.storage_stream_arn, "Status": "ENABLED"}}


# MARK: signaling endpoint

async def GetIceServerConfig(emulator, body):
    arn = body.get("ChannelARN")
    if not isinstance(arn, str) or not sig.CHANNEL_ARN.match(arn):
        raise invalid("ChannelARN is required and must be a signaling channel ARN.")
    if emulator.channel_by_arn(arn) is None:
        raise not_found()
    client = body.get("ClientId")
    if client is not None and (not isinstance(client, str) or not sig.IDENTIFIER.match(client)):
        raise invalid("ClientId must match [a-zA-Z0-9_.-]+ of length 1-256.")
    if body.get("Service", "TURN") != "TURN":
        raise invalid("Service must be TURN.")
    username = body.get("Username")
    if username is not None and (not isinstance(username, str) or not sig.IDENTIFIER.match(username)):
        raise invalid("Username must match [a-zA-Z0-9_.-]+ of length 1-256.")
    if emulator.turn is None:
        return {"IceServerList": []}
    user, password = emulator.turn.credentials(client or username or "master", emulator.ice_ttl)
    return {"IceServerList": [
        {"Uris": emulator.turn.uris(), "Username": user, "Password": password, "Ttl": emulator.ice_ttl}]}


async def JoinStorageSession(emulator, body):
    arn = body.get("channelArn")
    if not isinstance(arn, str) or not sig.CHANNEL_ARN.match(arn):
        raise invalid("channelArn is required.")
    channel = emulator.channel_by_arn(arn)
    if channel is None:
        raise not_found()
    if channel.storage_stream_arn is None:
        raise invalid("The channel is not mapped to a stream.")
    if channel.master is None or channel.master.closed:
        raise invalid("The master is not connected to the signaling channel.")
    emulator.storage_sessions.add(arn)
    # The storage session is the controlling peer: it offers, without a senderClientId.
    await emulator.hub.deliver_to_master(channel, "SDP_OFFER", sig.storage_offer_payload(), None)
    return None


# MARK: WebSocket

async def connect(request):
    """ConnectAsMaster / ConnectAsViewer; the middleware has checked the presigned URL."""
    emulator = request.app["emulator"]
    arn = request.query.get("X-Amz-ChannelARN")
    client_id = request.query.get("X-Amz-ClientId")
    if arn is None or not sig.CHANNEL_ARN.match(arn):
        return error_response(400, "InvalidArgumentException", "X-Amz-ChannelARN is required.")
    channel = emulator.channel_by_arn(arn)
    if channel is None:
        return error_response(404, "ResourceNotFoundException", "The requested channel is not found or not active.")
    if client_id is not None and not sig.CLIENT_ID.match(client_id):
        return error_response(400, "InvalidArgumentException", "X-Amz-ClientId is not valid.")
    if client_id is not None and client_id not in channel.viewers and len(
            [v for v in channel.viewers.values() if not v.closed]) >= emulator.options.max_viewers:
        return error_response(400, "ClientLimitExceededException", "Too many viewers on the channel.")
    ws = web.WebSocketResponse(max_msg_size=MAX_FRAME, autoping=True)
    if not ws.can_prepare(request).ok:
        return error_response(400, "InvalidArgumentException", "A WebSocket upgrade is required.")
    await ws.prepare(request)
    role = "viewer" if client_id is not None else "master"
    emulator.stats.count("connections", role)
    if role == "master":
        channel.master = ws
        channel.master_request = request
        channel.notify_master()
    else:
        channel.viewers[client_id] = ws
    try:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.ERROR and getattr(message.data, "code", None) == \
                    aiohttp.WSCloseCode.MESSAGE_TOO_BIG:
                # aiohttp has already answered with close code 1009.
                emulator.stats.count("messagesRejected", "oversized")
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            if role == "master":
                await emulator.hub.from_master(channel, message.data, arn in emulator.storage_sessions)
            else:
                await emulator.hub.from_viewer(channel, client_id, ws, message.data)
    finally:
        emulator.stats.count("disconnections", role)
        if role == "master" and channel.master is ws:
            channel.master = None
            channel.master_request = None
            channel.notify_master()
        elif role == "viewer" and channel.viewers.get(client_id) is ws:
            del channel.viewers[client_id]
    return ws
