#!/usr/bin/python3
"""Signs a batch of SigV4 cases with botocore, the reference signer of the AWS SDK for Python.

Reads a JSON array of cases from the file named by argv[1] and writes a JSON array of results
(one per case, same order) to argv[2]. Each case:
  kind        "header" (Authorization header) or "presign" (query-string signature)
  accessKey, secretKey, token (null or string), region, service, time (Unix seconds)
  method, scheme, host, path, query [[name, value], ...] (decoded), headers [[name, value], ...],
  body (hex), expires (presign only)
Each result: {"authorization": ...} for header cases, {"url": ...} for presign cases.

botocore reads the clock with datetime.datetime.utcnow(); the module's datetime reference is
replaced by a class whose utcnow() returns the case's time, so signing is deterministic.
"""
import datetime
import json
import sys

try:
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
except ImportError as error:  # pragma: no cover - exercised when the package is missing
    sys.stderr.write(
        "cannot import botocore.auth (%s): install the Debian package python3-botocore "
        "(scripts/install-deps.sh --test)\n" % error)
    sys.exit(3)


class _FixedClock(datetime.datetime):
    current = datetime.datetime(1970, 1, 1)

    @classmethod
    def utcnow(cls):
        return cls.current


class _DatetimeModule:
    datetime = _FixedClock


botocore.auth.datetime = _DatetimeModule
EPOCH = datetime.datetime(1970, 1, 1)


def sign(case):
    _FixedClock.current = EPOCH + datetime.timedelta(seconds=case["time"])
    credentials = botocore.credentials.Credentials(case["accessKey"], case["secretKey"], case.get("token"))
    url = "%s://%s%s" % (case["scheme"], case["host"], case["path"])
    if case["kind"] == "header":
        request = botocore.awsrequest.AWSRequest(
            method=case["method"], url=url, data=bytes.fromhex(case["body"]),
            params=[(name, value) for name, value in case["query"]])
        # HTTPHeaders appends on assignment, so repeated names stay repeated.
        for name, value in case["headers"]:
            request.headers[name] = value
        botocore.auth.SigV4Auth(credentials, case["service"], case["region"]).add_auth(request)
        return {"authorization": request.headers["Authorization"]}
    request = botocore.awsrequest.AWSRequest(
        method="GET", url=url, params={name: value for name, value in case["query"]})
    botocore.auth.SigV4QueryAuth(
        credentials, case["service"], case["region"], expires=case.get("expires", 300)).add_auth(request)
    return {"url": request.url}


def main():
    with open(sys.argv[1], encoding="utf-8") as source:
        cases = json.load(source)
    results = [sign(case) for case in cases]
    with open(sys.argv[2], "w", encoding="utf-8") as sink:
        json.dump(results, sink)


if __name__ == "__main__":
    main()
