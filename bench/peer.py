#!/usr/bin/env python3
"""MaxGroup as deployed against the AWS sample Spot interruption handler, side by side in one run.

Both systems run as Lambda runs them, in front of the same moto through the same recording proxy:
  maxgroup  the Native AOT bootstrap twice: the dispatcher function and the replace function. As template.yaml routes it,
            each warning goes to both (the Spot warning rule targets the replace function beside the dispatcher, issue
            24): the replace function's delivery begins the hand-over and runs the step, the dispatcher's waits its grace
            (MAXGROUP_REPLACE_INTAKE_GRACE_MS) and answers Duplicate. An asynchronous Lambda Invoke (the dispatcher's
            fallback, or another step's start) is taken by the proxy, answered 202 as Lambda does and handed to that
            function's Runtime API. The group's config is `groups/web.json` on S3 with `replacement_strategy: detach`.
  sample    ec2-spot-interruption-handler's index.py (awslabs/ec2-spot-labs, taken from PEER_SAMPLE_DIR, a clone outside
            this repository) under a minimal Python runtime loop (bench/peer_runtime.py), boto3 pointed at the proxy.
            Its group's instances carry the tag the sample asks for (SpotInterruptionHandler/enabled=true).

Each run resets moto, seeds the scene, then measures two warnings:
  cold  process start (the earliest of the functions the warning goes to) -> DetachInstances arrives at the proxy;
  warm  the next warning, from the moment a Runtime API first hands it out -> DetachInstances arrives.
It also counts the AWS calls (the Invoke included) that ended before DetachInstances left and the sequential waves
among them (a call starts a wave when every earlier call has ended); a call still in flight when DetachInstances left
cannot be on its path and is listed "beside", uncounted. Runs alternate between the two systems; medians are printed, and the
ratios are maxgroup / sample from this one run.

Usage: PEER_SAMPLE_DIR=/path/to/ec2-spot-labs peer.py --bootstrap PATH [--runs 7] [--json FILE]
"""
import argparse
import http.client
import http.server
import json
import os
import queue
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coldstart import Moto, REGION, RuntimeApiHandler, warning  # noqa: E402  (one Moto, one event shape)

LEDGER_TABLE = "maxgroup-peer-ledger"
CONFIG_BUCKET = "maxgroup-peer-config"
GROUP = "web"
SUCCESSOR_ACTION = "DetachInstances"
# template.yaml's Spot warning rules: the dispatcher's and, beside it, the replace function's (issue 24).
WARNING_TARGETS = ("dispatcher", "replace")
DISPATCHER_GRACE_MS = "2000"  # template.yaml's MAXGROUP_REPLACE_INTAKE_GRACE_MS
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


def client(endpoint, service):
    import boto3
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def seed(endpoint, system):
    """A fresh moto: the group (2 instances of 4), and for MaxGroup its ledger table and config bucket."""
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST"), timeout=30).read()
    if system == "maxgroup":
        dynamodb = client(endpoint, "dynamodb")
        # Same definition as src/MaxGroup.Aws/Ledger/LedgerTable.cs: partition key instance_id, TTL expires_at.
        dynamodb.create_table(TableName=LEDGER_TABLE, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "instance_id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "instance_id", "KeyType": "HASH"}])
        dynamodb.update_time_to_live(TableName=LEDGER_TABLE,
                                     TimeToLiveSpecification={"AttributeName": "expires_at", "Enabled": True})
        s3 = client(endpoint, "s3")
        s3.create_bucket(Bucket=CONFIG_BUCKET)
        s3.put_object(Bucket=CONFIG_BUCKET, Key="groups/%s.json" % GROUP, ContentType="application/json",
                      Body=b'{"replacement_strategy": "detach", "detaching_delay_seconds": 0}')
    client(endpoint, "ec2").create_launch_template(
        LaunchTemplateName="lt-web", LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "m5.large"})
    autoscaling = client(endpoint, "autoscaling")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=GROUP, MinSize=1, MaxSize=4, DesiredCapacity=2,
        LaunchTemplate={"LaunchTemplateName": "lt-web", "Version": "$Default"}, AvailabilityZones=[REGION + "a"],
        Tags=[{"Key": "SpotInterruptionHandler/enabled", "Value": "true", "PropagateAtLaunch": True}])
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
    return [i["InstanceId"] for i in group["Instances"]]


def waves(calls, until):
    """The calls the successor request could have waited for (those that had ended when it left, at `until`) and how
    many sequential waves they form; a call still in flight when it left cannot be on its path: it is listed, marked
    "beside", and not counted."""
    started = sorted((c for c in calls if c.start < until), key=lambda c: c.start)
    before = [c for c in started if c.end is not None and c.end <= until]
    count, in_flight_until = 0, float("-inf")
    for call in before:
        if call.start >= in_flight_until:
            count += 1
        in_flight_until = max(in_flight_until, call.end)
    origin = started[0].start if started else until
    actions = ["%s%s@%.0f+%.0f" % ("" if c in before else "(beside) ", c.action, (c.start - origin) * 1000,
                                   ((c.end or until) - c.start) * 1000) for c in started]
    return len(before), count, actions


def settle(proxy, functions, timeout):
    """Waits until every handed-out invocation is answered, no Invoke is queued and no call was made for 0.3 s."""
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        pending = any(f.api.events.qsize() or set(f.api.handed_out) - set(f.api.answers) for f in functions.values())
        with proxy.lock:
            last = max((c.end or time.perf_counter() for c in proxy.calls), default=0)
        if not pending and proxy.invokes.empty() and time.perf_counter() - last > 0.3:
            return
        time.sleep(0.05)
    raise RuntimeError("the hand-over did not settle within %.0f s" % timeout)


def run_system(system, proxy, bootstrap, sample_dir, timeout):
    proxy.reset()
    members = seed("http://" + proxy.upstream, system)  # seeded past the proxy: not recorded
    common = {"AWS_ENDPOINT_URL": proxy.endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
              "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"}
    functions = {}
    if system == "maxgroup":
        for name in ("dispatcher", "replace"):
            env = dict(common, _HANDLER=name, AWS_LAMBDA_FUNCTION_NAME="maxgroup-" + name,
                       MAXGROUP_CONFIG_BUCKET=CONFIG_BUCKET, MAXGROUP_LEDGER_TABLE=LEDGER_TABLE,
                       POWERTOOLS_SERVICE_NAME="maxgroup-peer", POWERTOOLS_LOG_LEVEL="Warning")
            if name == "dispatcher":
                env.update(MAXGROUP_REPLACE_TAKES_WARNINGS="true", MAXGROUP_REPLACE_INTAKE_GRACE_MS=DISPATCHER_GRACE_MS)
            functions[name] = Function([bootstrap], env)
        entries = [functions[name] for name in WARNING_TARGETS]
    else:
        env = dict(common, AWS_LAMBDA_FUNCTION_NAME="SpotInterruptionHandler", PEER_SAMPLE_DIR=sample_dir,
                   SSMParameterPrefix="/spot-instance-interruption-handler/run_commands/",
                   EnableRunCommandOutputLogging="False")
        runtime = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer_runtime.py")
        entries = [Function([sys.executable, runtime], env)]
        functions["sample"] = entries[0]
    stop_forwarding = threading.Event()

    def forward_invokes():
        while not stop_forwarding.is_set():
            try:
                name, payload = proxy.invokes.get(timeout=0.2)
            except queue.Empty:
                continue
            target = functions.get(name.replace("maxgroup-", ""))
            if target is None:
                raise RuntimeError("the dispatcher invoked an unknown function " + name)
            if target.process is None:
                target.start()  # a cold remediation function, as Lambda starts one on its first event
            target.invoke(payload)

    forwarder = threading.Thread(target=forward_invokes, daemon=True)
    forwarder.start()
    result = {}
    try:
        for label, doomed in (("cold", members[0]), ("warm", members[1])):
            arrived = proxy.first(SUCCESSOR_ACTION) if label == "cold" else None
            if label == "warm":
                proxy.reset()
                arrived = proxy.first(SUCCESSOR_ACTION)
            for entry in entries:
                if entry.process is None:
                    entry.start()
            event = warning(doomed)
            request_ids = [entry.invoke(event) for entry in entries]  # one event, every target (EventBridge)
            if not arrived.wait(timeout):
                raise RuntimeError("%s %s: no %s within %.0f s; answers %s" % (
                    system, label, SUCCESSOR_ACTION, timeout, [e.answer(r, 1) for e, r in zip(entries, request_ids)]))
            detach = next(c for c in proxy.calls if c.action == SUCCESSOR_ACTION)
            origin = min(e.started for e in entries) if label == "cold" else min(
                e.api.handed_out[r] for e, r in zip(entries, request_ids) if r in e.api.handed_out)
            for entry, request_id in zip(entries, request_ids):
                kind, body = entry.answer(request_id, timeout) or ("none", b"")
                if kind != "response":
                    raise RuntimeError("%s %s answered %s: %s" % (system, label, kind, body[:300]))
            calls, sequential, actions = waves(proxy.calls, detach.start)
            result[label] = {"ms": (detach.start - origin) * 1000, "calls": calls, "waves": sequential, "actions": actions}
            settle(proxy, functions, timeout)  # the hand-over's tail is not counted in the next warning
            result[label]["cpu_ms"] = {name: f.cpu_ms() for name, f in functions.items()}
        result["peak_rss_kib"] = {name: f.peak_rss_kib() for name, f in functions.items()}
        return result
    finally:
        stop_forwarding.set()
        forwarder.join()
        for function in functions.values():
            stderr = function.stop()
            if not result.get("warm") and stderr:
                sys.stderr.write(stderr[-2000:])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True, help="the Native AOT bootstrap (dotnet publish src/MaxGroup.Functions)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--moto-server", help="a moto_server script instead of moto's own (bench/moto_bench.py)")
    args = parser.parse_args()
    sample_dir = os.environ.get("PEER_SAMPLE_DIR")
    if not sample_dir:
        print("skipped: PEER_SAMPLE_DIR is unset (a clone of github.com/awslabs/ec2-spot-labs, outside this repository)")
        return 0
    handler = os.path.join(sample_dir, "ec2-spot-interruption-handler", "spot-interruption-handler", "index.py")
    if not os.path.isfile(handler):
        print("error: %s not found: PEER_SAMPLE_DIR must be a clone of awslabs/ec2-spot-labs" % handler, file=sys.stderr)
        return 2
    moto = Moto(server=args.moto_server)
    proxy = RecordingProxy(moto.endpoint)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    samples = {s: {"cold": [], "warm": []} for s in ("maxgroup", "sample")}
    cpu = {}  # "system function" -> CPU ms of process start + first warning, per run
    last = {}
    try:
        run_system("maxgroup", proxy, args.bootstrap, sample_dir, args.timeout)  # warm-up of moto's code paths, not counted
        run_system("sample", proxy, args.bootstrap, sample_dir, args.timeout)
        for run in range(args.runs):
            for system in (("maxgroup", "sample") if run % 2 == 0 else ("sample", "maxgroup")):
                measured = run_system(system, proxy, args.bootstrap, sample_dir, args.timeout)
                for label in ("cold", "warm"):
                    samples[system][label].append(measured[label]["ms"])
                for name, ms in measured["cold"]["cpu_ms"].items():
                    if ms is not None:
                        cpu.setdefault(system + " " + name, []).append(ms)
                last[system] = measured
    finally:
        proxy.shutdown()
        moto.stop()
    median = {s: {label: statistics.median(v) for label, v in by.items()} for s, by in samples.items()}
    print("%d alternating runs each; times are medians in ms, load average %.2f" % (args.runs, os.getloadavg()[0]))
    print("| | MaxGroup | sample | ratio |")
    print("|---|---|---|---|")
    for label, what in (("cold", "cold: process start -> DetachInstances at the emulator"),
                        ("warm", "warm: invocation handed out -> DetachInstances")):
        print("| %s | %.0f ms | %.0f ms | %.2fx |" % (what, median["maxgroup"][label], median["sample"][label],
                                                      median["maxgroup"][label] / median["sample"][label]))
    print("| calls before DetachInstances (cold / warm) | %d / %d | %d / %d | |" % (
        last["maxgroup"]["cold"]["calls"], last["maxgroup"]["warm"]["calls"],
        last["sample"]["cold"]["calls"], last["sample"]["warm"]["calls"]))
    print("| sequential waves before DetachInstances (cold / warm) | %d / %d | %d / %d | |" % (
        last["maxgroup"]["cold"]["waves"], last["maxgroup"]["warm"]["waves"],
        last["sample"]["cold"]["waves"], last["sample"]["warm"]["waves"]))
    for system in ("maxgroup", "sample"):
        print("%s peak RSS after two warnings (VmHWM): %s" % (system, ", ".join(
            "%s %.1f MiB" % (name, kib / 1024) for name, kib in last[system]["peak_rss_kib"].items() if kib)))
    print("CPU time (user+system, 10 ms ticks) of process start + first warning, median of %d: %s" % (args.runs, ", ".join(
        "%s %.0f ms" % (name, statistics.median(values)) for name, values in cpu.items())))
    for label in ("cold", "warm"):
        print("maxgroup %s calls (action@start+duration, ms from the first): %s" % (label, ", ".join(last["maxgroup"][label]["actions"])))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": args.runs, "samples": samples, "medians": median, "cpu_ms": cpu, "last": last}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
