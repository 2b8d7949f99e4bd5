"""Runs eventbridgev2 calls through botocore, AWS's own Python client, and prints each outcome.

Reads {"endpoint": ..., "calls": [{"operation": "create_event_bus", "params": {...}}]} on stdin
and prints a JSON list: {"result": ...} or {"error": {"code", "message", "status"}} per call.
The model comes from AWS_DATA_PATH (test/fixtures/botocore-data): botocore 1.43.11 speaks
Smithy RPC v2 CBOR but predates the service.
"""
import base64
import datetime
import json
import sys

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

request = json.load(sys.stdin)
client = botocore.session.get_session().create_client(
    "eventbridgev2",
    region_name="us-east-1",
    endpoint_url=request["endpoint"],
    aws_access_key_id=request.get("credentials", {}).get("accessKeyId", "local"),
    aws_secret_access_key=request.get("credentials", {}).get("secretAccessKey", "local"),
    aws_session_token=request.get("credentials", {}).get("sessionToken"),
    # The runtime's own checks are under test: botocore's client-side validation would refuse first.
    config=Config(retries={"max_attempts": 1}, parameter_validation=False),
)


def plain(value):
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(type(value))


def revive(params):
    """`{"$epoch": n}` is a timestamp, `{"$bytes": b64}` a blob: JSON has neither."""
    if isinstance(params, dict):
        if set(params) == {"$epoch"}:
            return datetime.datetime.fromtimestamp(params["$epoch"], datetime.timezone.utc)
        if set(params) == {"$bytes"}:
            return base64.b64decode(params["$bytes"])
        return {key: revive(value) for key, value in params.items()}
    if isinstance(params, list):
        return [revive(value) for value in params]
    return params


outcomes = []
for call in request["calls"]:
    try:
        result = getattr(client, call["operation"])(**revive(call.get("params", {})))
        result.pop("ResponseMetadata", None)
        outcomes.append({"result": result})
    except ClientError as error:
        outcomes.append(
            {
                "error": {
                    "code": error.response["Error"]["Code"],
                    "message": error.response["Error"].get("Message", ""),
                    "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
                }
            }
        )
print(json.dumps(outcomes, default=plain))
