#!/usr/bin/env python3
"""Folds the reliability suite's results (artifacts/reliability/) into docs/reliability.md.

Inputs: trx files of the fuzz, event-order and drill runs; drill.md and runs/*.txt written by the drill itself;
tools/reliability/notes.md (the hand-written findings, kept next to the generator so a rerun keeps them).
Called by tools/reliability/run.sh; it never runs tests itself.
"""
import argparse
import glob
import os
import re
import xml.etree.ElementTree as ET

import crash

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "artifacts", "reliability")
CSCHECK_DEFAULT_ITER = 100


def results(trx_name):
    path = os.path.join(OUT, "trx", trx_name)
    if not os.path.exists(path):
        return None
    tree = ET.parse(path)
    rows = []
    for r in tree.getroot().iterfind(".//t:UnitTestResult", NS):
        message = r.find(".//t:ErrorInfo/t:Message", NS)
        rows.append({
            "name": r.get("testName"),
            "outcome": r.get("outcome"),
            "duration": r.get("duration", ""),
            "message": (message.text or "").strip() if message is not None else "",
        })
    return sorted(rows, key=lambda x: x["name"])


def seconds(duration):
    m = re.match(r"(\d+):(\d+):(\d+(?:\.\d+)?)", duration or "")
    if not m:
        return ""
    total = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    return f"{total:.1f} s"


def iterations(test_name):
    """CsCheck iterations of a property test, read from its source: iter: N or a constant, else CsCheck's default."""
    parts = test_name.split("(")[0].split(".")
    method, cls = parts[-1], parts[-2]
    for path in glob.glob(os.path.join(ROOT, "test", "**", cls + ".cs"), recursive=True):
        text = open(path, encoding="utf-8").read()
        start = re.search(r"\b(?:void|Task)\s+" + re.escape(method) + r"\s*\(", text)
        if not start:
            continue
        rest = text[start.end():]
        end = re.search(r"\[(?:Fact|Theory)", rest)
        body = rest[: end.start()] if end else rest
        if ".Sample(" not in body:
            return None
        it = re.search(r"iter:\s*([A-Za-z_0-9]+)", body)
        if not it:
            return CSCHECK_DEFAULT_ITER
        value = it.group(1)
        if value.isdigit():
            return int(value)
        const = re.search(r"\b" + re.escape(value) + r"\s*=\s*(\d+)", text)
        return int(const.group(1)) if const else value
    return None


def short(name):
    return ".".join(name.split("(")[0].split(".")[-2:]) + ("(" + name.split("(", 1)[1] if "(" in name else "")


def cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def test_table(rows, with_iterations=False):
    lines = []
    if with_iterations:
        lines.append("| test | iterations | outcome | time |")
        lines.append("|---|---|---|---|")
    else:
        lines.append("| test | outcome | time |")
        lines.append("|---|---|---|")
    for r in rows:
        outcome = r["outcome"] if r["outcome"] != "Failed" else "**Failed**: " + cell(r["message"][:300])
        if with_iterations:
            it = iterations(r["name"])
            lines.append(f"| {cell(short(r['name']))} | {it if it is not None else '-'} | {outcome} | {seconds(r['duration'])} |")
        else:
            lines.append(f"| {cell(short(r['name']))} | {outcome} | {seconds(r['duration'])} |")
    return "\n".join(lines)


def count(rows):
    if rows is None:
        return "not run"
    passed = sum(1 for r in rows if r["outcome"] == "Passed")
    failed = sum(1 for r in rows if r["outcome"] == "Failed")
    skipped = len(rows) - passed - failed
    return f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")


def main():
    p = argparse.ArgumentParser()
    for a in ("started", "finished", "load-before", "load-after", "commit", "drill-plans", "drill-seeds", "out"):
        p.add_argument("--" + a, required=True)
    args = p.parse_args()

    core = results("fuzz-core.trx") or []
    integ = results("fuzz-integration.trx") or []
    fuzz = core + integ
    events = results("event-order.trx")
    drill_rows = results("drill.trx")
    drill_md = open(os.path.join(OUT, "drill.md"), encoding="utf-8").read() if os.path.exists(os.path.join(OUT, "drill.md")) else None
    run_files = sorted(glob.glob(os.path.join(OUT, "runs", "*.txt")))
    violated = [f for f in run_files if "violations: none" not in open(f, encoding="utf-8").read()]
    fuzz_iterations = sum(i for i in (iterations(r["name"]) for r in fuzz) if isinstance(i, int))
    drill_runs = len(run_files)
    notes_path = os.path.join(os.path.dirname(__file__), "notes.md")
    notes = open(notes_path, encoding="utf-8").read().strip() if os.path.exists(notes_path) else ""
    crash_data = crash.load()

    md = []
    md.append("# Reliability: faults injected, bad input fuzzed (issue 11)")
    md.append("")
    md.append("**Generated** by `tools/reliability/run.sh` from a real run; do not edit by hand (the findings text comes from "
              "`tools/reliability/notes.md`). Rerun the same command to regenerate it.")
    md.append("")
    md.append(f"- run: {args.started} to {args.finished} (UTC), commit `{args.commit}`")
    md.append(f"- machine: 2 cores shared with other builders; load average (1/5/15 min) {args.load_before} at the start, {args.load_after} at the end")
    md.append(f"- command: `tools/reliability/run.sh` (drill plans: {args.drill_plans}; seeds: {args.drill_seeds})")
    md.append("")
    md.append("## Summary")
    md.append("")
    md.append("| area | what was tried | runs | outcome |")
    md.append("|---|---|---|---|")
    drill_tests = [r for r in (drill_rows or []) if "FaultDrillTests" in r["name"]]
    regressions = [r for r in (drill_rows or []) if "TransientFaultRecovery" in r["name"] or "AmbiguousAutoScaling" in r["name"]]
    md.append(f"| fault drill | warning → replace, volume, drain, Consul; reclaim; duplicate warning; sweep; the same for a Capacity Reservation warning, an AWS Health "
              f"retirement and a scale-in's terminate lifecycle action — with AWS, Kubernetes and Consul behind fault proxies | "
              f"{drill_runs} runs | {drill_runs - len(violated)} runs with every invariant held, {len(violated)} with a violation; tests: {count(drill_tests)} |")
    md.append(f"| transient-fault regressions | one scripted fault (500, 429, drop before/after) per Kubernetes, Consul or Auto Scaling call | {len(regressions)} cases | {count(regressions)} |")
    md.append(f"| fuzzing (CsCheck) | random and mutated event JSON, config documents, Consul addresses and delays | {fuzz_iterations} generated inputs in {len(fuzz)} properties | {count(fuzz)} |")
    md.append(f"| event order and duplication | permutations of warning, state change, launch, each duplicated; a lifecycle action or a Health retirement with a "
              f"Spot warning in either order, a reservation warning then shutting-down, each twice; concurrent dispatch | "
              f"{len(events) if events else 0} tests | {count(events) if events else 'no EventOrder*/ConcurrentDispatch* tests in this build'} |")
    md.append(crash.summary_row(crash_data))
    md.append("")
    if notes:
        md.append(notes)
        md.append("")
    md.append("## Fault drill")
    md.append("")
    md.append("`test/MaxGroup.Integration.Tests/Reliability/FaultDrillTests.cs` (opt-in: `MAXGROUP_DRILL=1`; one run with the `mix` plan, "
              "seed 1, is always on as a smoke). Each run builds the demo Spot group in moto 5.2.1 (three instances, a data volume at "
              "/dev/sdf, launch strategy), the instance's node with two pods in the Kubernetes API fake and two services in the Consul "
              "agent fake, and puts every peer behind a proxy with the same plan and seed (`Infrastructure/AwsFaultProxy.cs`, "
              "`Reliability/HttpFaultProxy.cs`). It then plays the warning (reclaim 60 s later), AWS terminating the instance, the same "
              "warning again, and the volume sweep, through the production handlers (`dispatcher`, steps in-process).")
    md.append("")
    md.append("The same runs for the triggers of issue 20 (`Reliability/FaultDrillTrigger.cs`; `MAXGROUP_DRILL_TRIGGERS` selects): an "
              "interruptible Capacity Reservation's warning (the Spot warning's hand-over, reclaim 60 s later); an AWS Health retirement "
              "starting 10 minutes ahead (successor launched and attached, the retiring instance terminated in its group once drain and "
              "Consul ended; the retirement itself played after the first invocation); and a scale-in: a terminate hook on the group "
              "(heartbeat timeout 30 s) and its action open in Auto Scaling, whose CompleteLifecycleAction and "
              "RecordLifecycleActionHeartbeat the proxy answers with AWS's documented semantics (moto 5.2.1 does not implement them: "
              "`Infrastructure/LifecycleActionEmulator.cs`), Auto Scaling terminating the instance once the action ended. The Spot "
              "warning runs every plan; each other trigger runs the baseline, the mix under every seed and an aimed plan at its own "
              "non-idempotent call (TerminateInstanceInAutoScalingGroup, CompleteLifecycleAction). The scale-in under the mix, seed 1, "
              "is always on beside the Spot smoke.")
    md.append("")
    md.append("Invariants, read from moto, the fakes and the ledger after each run (never from MaxGroup's answers): the data volume "
              "exists and ends on the successor or tagged pending (never deleted, never on two instances); at most one successor per "
              "interrupted instance; desired capacity ends where it began; every step ends done, skipped with a reason, or failed with a "
              "reason; no step other than the volume move (which can only finish after the instance is gone) finishes after the reclaim "
              "time, and no Kubernetes or Consul call starts after it; a drain or deregistration the ledger calls done is done in the fake; "
              "no invocation hangs; the hand-over was opened by the trigger that came. For a scale-in: no successor at all; the volume "
              "kept, pending or picked up by a new member of the group; the lifecycle action completed exactly once, CONTINUE, with "
              "its token (a retry refused after a lost answer is not a second completion), never timed out; the \"reclaim time\" of "
              "the checks above is the completion, after which Auto Scaling terminates the instance (so the Node's after-termination "
              "calls, which follow the terminated state change, do not count).")
    md.append("")
    if drill_md:
        md.append(drill_md.strip())
    else:
        md.append("(the drill did not run: artifacts/reliability/drill.md is missing)")
    md.append("")
    if violated:
        md.append("### Runs with a violation: ledger timeline and injected faults")
        md.append("")
        for f in violated:
            lines = open(f, encoding="utf-8").read().splitlines()
            head = [l for l in lines if not l.startswith("  ") or not re.match(r"\s+\d\d:\d\d:\d\d\.\d+-", l)]
            faults = [l for l in lines if re.match(r"\s+\d\d:\d\d:\d\d\.\d+-", l) and not l.rstrip().endswith(" none")]
            md.append(f"`{os.path.basename(f)}`")
            md.append("")
            md.append("```")
            md.extend(l for l in head if not l.startswith("logs:") and l != "calls (service action status fault start-end):")
            md.append("injected faults:")
            md.extend(faults)
            md.append("```")
            md.append("")
    if regressions:
        md.append("### Transient-fault regressions")
        md.append("")
        md.append(test_table(regressions))
        md.append("")
    md.extend(crash.section(crash_data))
    md.append("## Fuzzing (CsCheck)")
    md.append("")
    md.append("Property tests with fixed seeds: never an unhandled exception, always an error naming the place. Iterations are read "
              "from each test's source (CsCheck's default is 100).")
    md.append("")
    md.append(test_table(fuzz, with_iterations=True) if fuzz else "(no fuzz results)")
    md.append("")
    md.append("## Event order and duplication")
    md.append("")
    md.append("Tests named `Reliability.EventOrder*` and `Reliability.ConcurrentDispatch*` in test/MaxGroup.Integration.Tests "
              "(written with the dispatcher rework); the generator lists whatever this build contains. `EventOrderTriggerTests` "
              "(issue 20) meets each new trigger with another event for the same instance, every event delivered twice: a terminate "
              "lifecycle action open in Auto Scaling from the start and a Spot warning, either first (the hook completed exactly once "
              "with CONTINUE, no successor for the scale-in, the warning's replace run once; the proxy refuses a DetachInstances of the "
              "instance in Terminating:Wait as Auto Scaling does); a Health retirement and a Spot warning, either first; a reservation "
              "warning, then the instance shutting down (one hand-over, no second one from the state change). Each ends with one "
              "successor holding the volume where there is one, the volume never deleted, desired capacity where it began.")
    md.append("")
    md.append(test_table(events) if events else "No such tests in this build.")
    md.append("")
    md.append("## Regenerate")
    md.append("")
    md.append("```sh")
    md.append("tools/reliability/run.sh                                            # everything, then docs/reliability.md")
    md.append("MAXGROUP_DRILL_PLANS=mix,drop-after MAXGROUP_DRILL_SEEDS=1,2 tools/reliability/run.sh   # a subset")
    md.append("MAXGROUP_DRILL=1 dotnet test test/MaxGroup.Integration.Tests --filter \"FullyQualifiedName~Reliability.FaultDrill\"  # drill only")
    md.append("MAXGROUP_DRILL=1 MAXGROUP_DRILL_TRIGGERS=scale-in,retirement dotnet test test/MaxGroup.Integration.Tests --filter \"FullyQualifiedName~Reliability.FaultDrill\"  # some triggers")
    md.append("```")
    md.append("")
    md.append("Raw results: `artifacts/reliability/` (trx files; `drill.md`; `runs/<plan>-seed<n>.txt` (Spot) and "
              "`runs/<trigger>-<plan>-seed<n>.txt` with each run's ledger timeline "
              "and every proxied call; `runs/*.log.jsonl` with MaxGroup's own logs).")
    md.append("")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
