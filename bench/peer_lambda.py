#!/usr/bin/env python3
"""Lambda as bench/peer.py runs it: the recording proxy in front of moto and, per function, a Runtime API and its process.

  RecordingProxy  forwards every request to moto and records (action, start, end); an asynchronous Lambda Invoke is
                  taken by the proxy itself, answered 202 as Lambda does and queued for peer.py to hand on.
  RuntimeApi      the Runtime API of one function: hands out queued events in order, records when each went out and
                  its answer.
  Function        one function: its Runtime API and the process that polls it, started on demand.
"""
import http.client
import http.server
import os
import queue
import re
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coldstart import REGION, RuntimeApiHandler  # noqa: E402  (the Runtime API handler's body reading and replies)


INVOKE_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations")
NEXT_PATH = "/2018-06-01/runtime/invocation/next"
INVOCATION = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")


class Call:
    def __init__(self, action, start):
        self.action, self.start, self.end = action, start, None


class RecordingProxy(http.server.ThreadingHTTPServer):
    """Forwards every request to moto and records (action, start, end); takes Lambda Invokes itself."""

    daemon_threads = True

    def __init__(self, upstream):
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream = upstream.split("//", 1)[1]
        self.calls = []
        self.lock = threading.Lock()
        self.invokes = queue.Queue()  # (function name, payload)
        self.arrived = {}             # action -> threading.Event of its first arrival
        self.endpoint = "http://127.0.0.1:%d" % self.server_address[1]

    def handle_error(self, request, client_address):
        pass  # processes are killed mid-connection at the end of every run

    def reset(self):
        with self.lock:
            self.calls = []
            self.arrived = {}

    def first(self, action):
        with self.lock:
            return self.arrived.setdefault(action, threading.Event())

    def begin(self, action):
        call = Call(action, time.perf_counter())
        with self.lock:
            self.calls.append(call)
            self.arrived.setdefault(action, threading.Event()).set()
        return call


class ProxyHandler(RuntimeApiHandler):
    """The Runtime API handler's body reading and replies, reused; every method is forwarded."""

    # Headers and body go out in two writes: with Nagle on, the body waits for the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def action_of(self, body):
        target = self.headers.get("X-Amz-Target")
        if target:
            return target.rsplit(".", 1)[-1]
        match = re.search(rb"(?:^|&)Action=([A-Za-z]+)", body)
        if match:
            return match.group(1).decode()
        query = re.search(r"[?&]Action=([A-Za-z]+)", self.path)
        if query:
            return query.group(1)
        return "%s %s" % (self.command, self.path.split("?", 1)[0])

    def handle_any(self):
        proxy = self.server
        body = self.read_body() if self.command in ("POST", "PUT") else b""
        invoke = INVOKE_PATH.match(self.path)
        action = "Invoke " + invoke.group(1) if invoke else self.action_of(body)
        call = proxy.begin(action)
        try:
            if invoke:
                proxy.invokes.put((invoke.group(1), body))
                self.reply(202, b"")  # InvocationType Event: Lambda queues the event and answers 202
                return
            connection = http.client.HTTPConnection(proxy.upstream, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("transfer-encoding", "content-length")}
            if body or self.command in ("POST", "PUT"):
                headers["Content-Length"] = str(len(body))
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("transfer-encoding", "content-length", "connection", "server", "date"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            connection.close()
        finally:
            call.end = time.perf_counter()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


class RuntimeApi(http.server.ThreadingHTTPServer):
    """The Runtime API of one function: hands out queued events in order, records when each went out and its answer."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RuntimeHandler)
        self.events = queue.Queue()
        self.handed_out = {}  # request id -> perf_counter
        self.answers = {}     # request id -> (kind, body)
        self.answered = threading.Condition()
        self.closing = False

    def handle_error(self, request, client_address):
        pass


class RuntimeHandler(RuntimeApiHandler):
    disable_nagle_algorithm = True  # as in ProxyHandler
    def do_GET(self):
        api = self.server
        if not self.path.startswith(NEXT_PATH):
            self.reply(404, b'{"errorType":"NotFound"}')
            return
        while True:
            try:
                request_id, event = api.events.get(timeout=0.5)
                break
            except queue.Empty:
                if api.closing:
                    self.close_connection = True
                    return
        api.handed_out[request_id] = time.perf_counter()
        self.reply(200, event, [
            ("Lambda-Runtime-Aws-Request-Id", request_id),
            ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 60000)),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:%s:123456789012:function:peer" % REGION),
            ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
        ])

    def do_POST(self):
        api = self.server
        body = self.read_body()
        match = INVOCATION.match(self.path)
        with api.answered:
            api.answers[match.group(1) if match else "init"] = (match.group(2) if match else self.path, body)
            api.answered.notify_all()
        self.reply(202, b'{"status":"OK"}')


class Function:
    """One function: its Runtime API and the process that polls it, started on demand."""

    def __init__(self, command, env):
        self.command, self.env = command, env
        self.api = RuntimeApi()
        threading.Thread(target=self.api.serve_forever, daemon=True).start()
        self.process = None
        self.started = None

    def start(self):
        env = dict(os.environ)
        env.update(self.env)
        env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:%d" % self.api.server_address[1]
        self.started = time.perf_counter()
        self.process = subprocess.Popen(self.command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def invoke(self, event):
        request_id = str(uuid.uuid4())
        self.api.events.put((request_id, event))
        return request_id

    def answer(self, request_id, timeout=60):
        with self.api.answered:
            self.api.answered.wait_for(lambda: request_id in self.api.answers or "init" in self.api.answers, timeout)
        return self.api.answers.get(request_id) or self.api.answers.get("init")

    def peak_rss_kib(self):
        """VmHWM of the function's process (peak resident set), read before it is killed; None if it never ran."""
        if self.process is None or self.process.poll() is not None:
            return None
        with open("/proc/%d/status" % self.process.pid) as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), None)

    def cpu_ms(self):
        """User + system CPU time the function's process has used so far (ms); None if it never ran."""
        if self.process is None or self.process.poll() is not None:
            return None
        with open("/proc/%d/stat" % self.process.pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.api.closing = True
        stderr = b""
        if self.process is not None:
            self.process.kill()
            stderr = self.process.communicate()[1] or b""
        self.api.shutdown()
        self.api.server_close()
        return stderr.decode("utf-8", "replace")
