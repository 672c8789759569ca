"""Server-side AWS Signature Version 4 checking for the KVS emulator.

The signature is recomputed with botocore's signer (the AWS SDK for Python) from what arrived
on the wire: the headers the client listed in SignedHeaders, the decoded query re-encoded,
the raw path and the body. Failures carry the error type and message AWS uses, so a client
sees the same 403s it would see from Kinesis Video Streams."""
import datetime
import hmac
from urllib.parse import unquote

import botocore.auth
import botocore.awsrequest
import botocore.credentials

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "kinesisvideo"
SKEW_LIMIT = 300  # seconds either way, the SigV4 "5 min." window
TIMESTAMP = "%Y%m%dT%H%M%SZ"
MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS "
            "Secret Access Key and signing method. Consult the service documentation for details.")


class SignatureFailure(Exception):
    """A rejected request: HTTP status, AWS error type and message."""

    def __init__(self, status, error_type, message, reason):
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.reason = reason  # short key for the statistics


def stamp(unix_seconds):
    return datetime.datetime.utcfromtimestamp(int(unix_seconds)).strftime(TIMESTAMP)


def parse_stamp(text):
    try:
        moment = datetime.datetime.strptime(text, TIMESTAMP)
    except (TypeError, ValueError):
        return None
    return int((moment - datetime.datetime(1970, 1, 1)).total_seconds())


class _ClaimedHeadersSigner(botocore.auth.SigV4Auth):
    """botocore's SigV4 with the header set fixed to what the client says it signed."""

    def __init__(self, credentials, region, signed):
        super().__init__(credentials, SERVICE, region)
        self._signed = signed

    def headers_to_sign(self, request):
        headers = botocore.awsrequest.HTTPHeaders()
        for name, value in self._signed:
            headers[name] = value
        return headers


def _decoded_query(raw_query, drop=()):
    pairs = []
    if raw_query:
        for part in raw_query.split("&"):
            if not part:
                continue
            name, _, value = part.partition("=")
            name, value = unquote(name), unquote(value)
            if name not in drop:
                pairs.append((name, value))
    return pairs


class Verifier:
    """Checks SigV4 for a set of credentials {access key: (secret, session token or None)}."""

    def __init__(self, credentials, region, clock):
        self.credentials = credentials
        self.region = region
        self.clock = clock  # callable returning the emulator's Unix time (skew included)

    # MARK: entry points

    def verify_header(self, method, host, raw_path, raw_query, headers, body):
        """`headers` is a list of (name, value) as received; raises SignatureFailure."""
        authorization = _first(headers, "authorization")
        if authorization is None:
            raise SignatureFailure(403, "MissingAuthenticationTokenException", "Missing Authentication Token",
                                   "missing")
        fields = _parse_authorization(authorization)
        amz_date = _first(headers, "x-amz-date")
        if amz_date is None:
            raise SignatureFailure(
                400, "IncompleteSignatureException",
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                "Authorization=%s" % authorization, "incomplete")
        signed_names = fields["SignedHeaders"].split(";")
        access_key, secret, token = self._check_scope(fields["Credential"], amz_date)
        if token is not None and _first(headers, "x-amz-security-token") != token:
            raise SignatureFailure(403, "UnrecognizedClientException",
                                   "The security token included in the request is invalid.", "token")
        if "host" not in signed_names:
            raise SignatureFailure(403, "InvalidSignatureException",
                                   "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
                                   "host-unsigned")
        self._check_time(amz_date)
        signed = []
        for name in signed_names:
            values = [value for key, value in headers if key.lower() == name]
            if not values:
                raise SignatureFailure(403, "InvalidSignatureException", MISMATCH, "signed-header-missing")
            signed.extend((name, value) for value in values)
        expected, canonical, to_sign = self._compute(
            secret, token, method, host, raw_path, _decoded_query(raw_query), signed, body, amz_date)
        if not hmac.compare_digest(expected, fields["Signature"]):
            raise SignatureFailure(403, "InvalidSignatureException", _mismatch_detail(canonical, to_sign), "mismatch")
        return access_key

    def verify_presigned(self, host, raw_path, raw_query, headers):
        """A presigned GET (the signaling WebSocket upgrade); raises SignatureFailure."""
        query = _decoded_query(raw_query)
        values = dict(query)
        required = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"]
        missing = [name for name in required if name not in values]
        if len(missing) == len(required):
            raise SignatureFailure(403, "MissingAuthenticationTokenException", "Missing Authentication Token",
                                   "missing")
        if missing:
            raise SignatureFailure(
                400, "IncompleteSignatureException",
                "AWS query-string parameters must include %s. Re-examine the query-string parameters."
                % ", ".join("'%s'" % name for name in missing), "incomplete")
        if values["X-Amz-Algorithm"] != ALGORITHM:
            raise SignatureFailure(400, "IncompleteSignatureException",
                                   "Unsupported AWS 'algorithm': '%s'" % values["X-Amz-Algorithm"], "incomplete")
        amz_date = values["X-Amz-Date"]
        access_key, secret, token = self._check_scope(values["X-Amz-Credential"], amz_date)
        if token is not None and values.get("X-Amz-Security-Token") != token:
            raise SignatureFailure(403, "UnrecognizedClientException",
                                   "The security token included in the request is invalid.", "token")
        signed_names = values["X-Amz-SignedHeaders"].split(";")
        if "host" not in signed_names:
            raise SignatureFailure(403, "InvalidSignatureException",
                                   "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
                                   "host-unsigned")
        self._check_time(amz_date, expires=values.get("X-Amz-Expires"))
        signed = []
        for name in signed_names:
            signed.extend((name, value) for key, value in headers if key.lower() == name)
        expected, canonical, to_sign = self._compute(
            secret, token, "GET", host, raw_path, _decoded_query(raw_query, drop=("X-Amz-Signature",)), signed, b"",
            amz_date)
        if not hmac.compare_digest(expected, values["X-Amz-Signature"]):
            raise SignatureFailure(403, "InvalidSignatureException", _mismatch_detail(canonical, to_sign), "mismatch")
        return access_key

    # MARK: pieces

    def _check_scope(self, credential, amz_date):
        parts = credential.split("/")
        if len(parts) != 5:
            raise SignatureFailure(
                400, "IncompleteSignatureException",
                "Credential should have at least 5 slash-separated parts, not %d." % len(parts), "incomplete")
        access_key, date, region, service, terminal = parts
        if access_key not in self.credentials:
            raise SignatureFailure(403, "UnrecognizedClientException",
                                   "The security token included in the request is invalid.", "unknown-key")
        if parse_stamp(amz_date) is None:
            raise SignatureFailure(
                400, "IncompleteSignatureException",
                "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601"
                % amz_date, "incomplete")
        if date != amz_date[:8]:
            raise SignatureFailure(
                403, "InvalidSignatureException",
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                "'%s' != '%s', from '%s'." % (date, amz_date[:8], amz_date), "scope-date")
        if region != self.region:
            raise SignatureFailure(
                403, "InvalidSignatureException",
                "Credential should be scoped to a valid region, not '%s'. " % region, "scope-region")
        if service != SERVICE:
            raise SignatureFailure(
                403, "InvalidSignatureException",
                "Credential should be scoped to correct service: '%s'. " % SERVICE, "scope-service")
        if terminal != "aws4_request":
            raise SignatureFailure(
                403, "InvalidSignatureException",
                "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. " % terminal,
                "scope-terminator")
        secret, token = self.credentials[access_key]
        return access_key, secret, token

    def _check_time(self, amz_date, expires=None):
        signed_at = parse_stamp(amz_date)
        now = int(self.clock())
        if signed_at > now + SKEW_LIMIT:
            raise SignatureFailure(
                403, "InvalidSignatureException",
                "Signature not yet current: %s is still later than %s (%s + 5 min.)"
                % (amz_date, stamp(now + SKEW_LIMIT), stamp(now)), "skew")
        if expires is None:
            if signed_at < now - SKEW_LIMIT:
                raise SignatureFailure(
                    403, "InvalidSignatureException",
                    "Signature expired: %s is now earlier than %s (%s - 5 min.)"
                    % (amz_date, stamp(now - SKEW_LIMIT), stamp(now)), "skew")
            return
        try:
            lifetime = int(expires)
        except ValueError:
            lifetime = -1
        if not 1 <= lifetime <= 604800:
            raise SignatureFailure(
                400, "IncompleteSignatureException",
                "X-Amz-Expires must be between 1 and 604800 seconds, not '%s'." % expires, "incomplete")
        if signed_at + lifetime < now:
            raise SignatureFailure(
                403, "InvalidSignatureException",
                "Signature expired: %s is now earlier than %s (%s - %d sec.)"
                % (amz_date, stamp(now - lifetime), stamp(now), lifetime), "expired")

    def _compute(self, secret, token, method, host, raw_path, query, signed, body, amz_date):
        credentials = botocore.credentials.Credentials("unused", secret, token)
        signer = _ClaimedHeadersSigner(credentials, self.region, signed)
        request = botocore.awsrequest.AWSRequest(
            method=method, url="https://%s%s" % (host, raw_path or "/"), data=body, params=query)
        request.context["timestamp"] = amz_date
        canonical = signer.canonical_request(request)
        to_sign = signer.string_to_sign(request, canonical)
        return signer.signature(to_sign, request), canonical, to_sign


def _first(headers, name):
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _parse_authorization(value):
    if not value.startswith(ALGORITHM + " "):
        raise SignatureFailure(400, "IncompleteSignatureException",
                               "Unsupported AWS 'algorithm': '%s'" % value.split(" ")[0], "incomplete")
    fields = {}
    for part in value[len(ALGORITHM) + 1:].split(","):
        name, _, field = part.strip().partition("=")
        fields[name] = field
    for name in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(name):
            raise SignatureFailure(
                400, "IncompleteSignatureException",
                "Authorization header requires '%s' parameter. Authorization=%s" % (name, value), "incomplete")
    return fields


def _mismatch_detail(canonical, to_sign):
    return "%s\n\nThe Canonical String for this request should have been\n'%s'\n\nThe String-to-Sign should have been\n'%s'\n" % (
        MISMATCH, canonical, to_sign)
