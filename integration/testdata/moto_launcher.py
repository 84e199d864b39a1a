#!/usr/bin/env python3
"""Run moto's server for switcher's integration tests.

Usage: moto_launcher.py SEED.json

It serves moto's own WSGI application (the one `moto_server` runs) on
127.0.0.1 and a free port, with one change: moto's auth-layer errors
(AccessDenied, SignatureDoesNotMatch, InvalidClientTokenId) are serialised as
<ErrorResponse><Errors><Error>..., an extra level that real STS does not send,
so they are rewritten into the shape real STS and IAM send:
<ErrorResponse xmlns="..."><Error><Type>Sender</Type><Code>...</Code>
<Message>...</Message></Error><RequestId>...</RequestId></ErrorResponse>.

With auth still off it creates the IAM users (with one access key each),
roles and inline policies described in SEED.json, and an AWS Organization
with its accounts (some closed) when SEED.json has one, then turns auth on
(POST /moto-api/reset-auth, body 0) and prints one JSON line on stdout:
{"endpoint": "http://127.0.0.1:PORT", "pid": N, "keys": {"USER": {...}},
"accounts": {"ACCOUNT NAME": "ID"}}.
It runs until stdin closes or it gets SIGTERM.
"""

import json
import os
import re
import signal
import sys
import threading
import urllib.request
import uuid

import boto3
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    create_backend_app,
)
from werkzeug.serving import make_server

NAMESPACES = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}
SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
WRAPPED = re.compile(rb"<ErrorResponse>\s*<Errors>\s*(<Error>.*</Error>)\s*</Errors>\s*</ErrorResponse>", re.S)


XML_ERROR = re.compile(rb"<Code>([^<]*)</Code>\s*<Message>([^<]*)</Message>", re.S)
JSON_CODES = {b"AccessDenied": "AccessDeniedException"}


def call(app, environ):
    """Run the WSGI app and return its status, headers and whole body."""
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    chunks = app(environ, capture)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return captured["status"], captured["headers"], body


def with_body(headers, body, content_type=None):
    """headers for a new body (and content type)."""
    drop = ("content-length", "content-type") if content_type else ("content-length",)
    out = [(k, v) for k, v in headers if k.lower() not in drop]
    if content_type:
        out.append(("Content-Type", content_type))
    out.append(("Content-Length", str(len(body))))
    return out


def real_error_shape(app):
    """WSGI middleware: unwrap <Errors> in query-protocol error responses,
    and give JSON-protocol services (Organizations) their JSON errors:
    moto's auth layer answers them in XML, real Organizations sends
    {"__type": "AccessDeniedException", "Message": ...}."""

    def middleware(environ, start_response):
        scope = SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = scope.group(1) if scope else ""
        if service != "organizations" and service not in NAMESPACES:
            return app(environ, start_response)
        status, headers, body = call(app, environ)
        if service == "organizations":
            match = XML_ERROR.search(body) if body.lstrip().startswith(b"<") else None
            if match:
                code = JSON_CODES.get(match.group(1), match.group(1).decode())
                body = json.dumps({"__type": code, "Message": match.group(2).decode()}).encode()
                headers = with_body(headers, body, "application/x-amz-json-1.1")
        else:
            match = WRAPPED.search(body)
            if match:
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    f'<ErrorResponse xmlns="{NAMESPACES[service]}">'
                ).encode() + match.group(1) + f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>".encode()
                headers = with_body(headers, body)
        start_response(status, headers)
        return [body]

    return middleware


def seed(endpoint, spec):
    """Create users, access keys, roles and policies with auth off."""
    common = dict(
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="seeding",
        aws_secret_access_key="seeding",
    )
    iam = boto3.client("iam", **common)
    keys = {}
    for user in spec.get("users", []):
        iam.create_user(UserName=user["name"])
        key = iam.create_access_key(UserName=user["name"])["AccessKey"]
        keys[user["name"]] = {
            "arn": iam.get_user(UserName=user["name"])["User"]["Arn"],
            "access_key_id": key["AccessKeyId"],
            "secret_access_key": key["SecretAccessKey"],
        }
        if "policy" in user:
            iam.put_user_policy(
                UserName=user["name"],
                PolicyName="switcher-test",
                PolicyDocument=json.dumps(user["policy"]),
            )
    for role in spec.get("roles", []):
        iam.create_role(
            RoleName=role["name"],
            AssumeRolePolicyDocument=json.dumps(role["trust"]),
        )
        if "policy" in role:
            iam.put_role_policy(
                RoleName=role["name"],
                PolicyName="switcher-test",
                PolicyDocument=json.dumps(role["policy"]),
            )
    for bucket in spec.get("buckets", []):
        boto3.client("s3", **common).create_bucket(Bucket=bucket)
    accounts = {}
    if spec.get("organization"):
        # The seeding account is the management account; moto gives every
        # new account an OrganizationAccountAccessRole.
        org = boto3.client("organizations", **common)
        org.create_organization(FeatureSet="ALL")
        for acct in spec["organization"].get("accounts", []):
            status = org.create_account(AccountName=acct, Email=re.sub(r"[^a-z0-9]", "", acct.lower()) + "@example.com")
            accounts[acct] = status["CreateAccountStatus"]["AccountId"]
        for acct in spec["organization"].get("closed", []):
            org.close_account(AccountId=accounts[acct])
    req = urllib.request.Request(
        endpoint + "/moto-api/reset-auth",
        data=b"0",
        headers={"Content-Type": "text/plain"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()
    return keys, accounts


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, real_error_shape(app), threaded=True)
    endpoint = f"http://127.0.0.1:{server.port}"
    os.environ["MOTO_PORT"] = str(server.port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    keys, accounts = seed(endpoint, spec)
    print(json.dumps({"endpoint": endpoint, "pid": os.getpid(), "keys": keys, "accounts": accounts}), flush=True)
    # Run until the test process closes our stdin (or dies) or kills us.
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
