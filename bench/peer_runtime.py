#!/usr/bin/env python3
"""A minimal Lambda Runtime API loop for a Python handler, as Lambda's Python runtime runs one.

Imports `index` from $PEER_SAMPLE_DIR/ec2-spot-interruption-handler/spot-interruption-handler (module-level code, its
boto3 clients included, runs at import, as in Lambda's init phase), then polls /invocation/next, calls
`index.handler(event, context)` and posts the result or the error. bench/peer.py starts it (through bench/peer_lambda.py).
"""
import json
import os
import sys
import traceback
import urllib.request

api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
sys.path.insert(0, os.path.join(os.environ["PEER_SAMPLE_DIR"], "ec2-spot-interruption-handler", "spot-interruption-handler"))
import index  # noqa: E402


class Context:
    def __init__(self, request_id, deadline_ms):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        import time
        return max(0, self._deadline_ms - int(time.time() * 1000))


def post(path, body):
    request = urllib.request.Request(api + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request).read()


while True:
    with urllib.request.urlopen(api + "/invocation/next") as response:
        request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
        deadline = int(response.headers.get("Lambda-Runtime-Deadline-Ms", "0"))
        event = json.loads(response.read())
    try:
        result = index.handler(event, Context(request_id, deadline))
        post("/invocation/%s/response" % request_id, result)
    except Exception as error:  # the runtime reports any handler error to Lambda
        post("/invocation/%s/error" % request_id,
             {"errorType": type(error).__name__, "errorMessage": str(error), "stackTrace": traceback.format_exc().splitlines()})
