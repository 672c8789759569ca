#!/usr/bin/python3
"""Calls the KVS emulator through botocore's own clients (the AWS SDK for Python), so the
requests are serialized and SigV4-signed exactly as the SDK does for real Kinesis Video Streams.

usage: botocore_client.py --endpoint URL --ca PEM --access-key K --secret-key S [--token T]
                          --region R --operation OP [--params JSON] [--tamper] [--clock-offset S]
  OP: DescribeSignalingChannel, CreateSignalingChannel, GetSignalingChannelEndpoint (service
      kinesisvideo) or GetIceServerConfig (service kinesis-video-signaling).
  --tamper        changes one byte of the body after signing (the signature must then fail)
  --clock-offset  signs as if the clock were this many seconds ahead
Prints one JSON object: {"status", "headers", "result"} or {"status", "headers", "error": {"Code","Message"}}.
"""
import argparse
import datetime
import json
import sys

try:
    import botocore.auth
    import botocore.config
    import botocore.exceptions
    import botocore.session
except ImportError as error:
    sys.stderr.write("cannot import botocore (%s): install the Debian package python3-botocore\n" % error)
    sys.exit(3)

SERVICES = {
    "DescribeSignalingChannel": ("kinesisvideo", "describe_signaling_channel"),
    "CreateSignalingChannel": ("kinesisvideo", "create_signaling_channel"),
    "GetSignalingChannelEndpoint": ("kinesisvideo", "get_signaling_channel_endpoint"),
    "GetIceServerConfig": ("kinesis-video-signaling", "get_ice_server_config"),
}


def install_clock(offset):
    class SkewedClock(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return datetime.datetime.utcnow() + datetime.timedelta(seconds=offset)

    class Module:
        datetime = SkewedClock

    botocore.auth.datetime = Module


def main():
    parser = argparse.ArgumentParser()
    for name in ("--endpoint", "--ca", "--access-key", "--secret-key", "--region", "--operation"):
        parser.add_argument(name, required=True)
    parser.add_argument("--token")
    parser.add_argument("--params", default="{}")
    parser.add_argument("--tamper", action="store_true")
    parser.add_argument("--clock-offset", type=float, default=0.0)
    options = parser.parse_args()
    if options.clock_offset:
        install_clock(options.clock_offset)
    service, method = SERVICES[options.operation]
    session = botocore.session.get_session()
    client = session.create_client(
        service, region_name=options.region, endpoint_url=options.endpoint, verify=options.ca,
        aws_access_key_id=options.access_key, aws_secret_access_key=options.secret_key,
        aws_session_token=options.token,
        config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    if options.tamper:
        def tamper(request, **_):
            body = bytearray(request.body or b"")
            # Flip a character inside the JSON so the body stays parseable but no longer
            # matches the signed payload hash.
            index = body.find(b'"', 2) + 1 if body else -1
            if index > 0:
                body[index] ^= 0x01
                request.body = bytes(body)
        client.meta.events.register("before-send", tamper)
    try:
        result = getattr(client, method)(**json.loads(options.params))
        meta = result.pop("ResponseMetadata", {})
        output = {"status": meta.get("HTTPStatusCode"), "headers": meta.get("HTTPHeaders", {}), "result": result}
    except botocore.exceptions.ClientError as error:
        meta = error.response.get("ResponseMetadata", {})
        output = {"status": meta.get("HTTPStatusCode"), "headers": meta.get("HTTPHeaders", {}),
                  "error": {"Code": error.response["Error"].get("Code"),
                            "Message": error.response["Error"].get("Message")}}
    sys.stdout.write(json.dumps(output, default=str) + "\n")


if __name__ == "__main__":
    main()
