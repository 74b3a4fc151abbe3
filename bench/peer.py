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

Usage: PEER_SAMPLE_DIR=/path/to/ec2-spot-labs peer.py --bootstrap PATH [--runs 7] [--json FILE] [--moto-server bench/moto_bench.py]
"""
import argparse
import json
import os
import queue
import statistics
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coldstart import Moto, REGION, warning  # noqa: E402  (one Moto, one event shape)
from peer_lambda import Function, RecordingProxy  # noqa: E402  (the proxy, the Runtime APIs, the processes)

LEDGER_TABLE = "maxgroup-peer-ledger"
CONFIG_BUCKET = "maxgroup-peer-config"
GROUP = "web"
SUCCESSOR_ACTION = "DetachInstances"
# template.yaml's Spot warning rules: the dispatcher's and, beside it, the replace function's (issue 24).
WARNING_TARGETS = ("dispatcher", "replace")
DISPATCHER_GRACE_MS = "2000"  # template.yaml's MAXGROUP_REPLACE_INTAKE_GRACE_MS


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
