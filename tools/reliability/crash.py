"""The "Crash drill" part of docs/reliability.md, from artifacts/crash-drill/results.json (issue 23, item 5).

results.json is written by Reliability/Crash/CrashDrillTests (the matrix, MAXGROUP_CRASH_DRILL=1); render.py calls
summary_row() and section(). Nothing here runs tests.
"""
import json
import os

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
RESULTS = os.path.join(ROOT, "artifacts", "crash-drill", "results.json")
INVARIANTS = ["volume kept", "one successor", "capacity restored", "no untracked instance", "deadline met"]


def load(path=RESULTS):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def broken(case):
    if case.get("error"):
        return ["error"]
    return [i["name"] for i in case.get("invariants", []) if not i["held"]]


def point(case):
    kill = case.get("kill")
    if not kill:
        return "none (calibration)"
    return f"{'before' if kill['before'] else 'after'} {kill['call']} #{kill['occurrence']}"


def summary_row(data):
    if data is None:
        return "| crash drill | SIGKILL before/after each mutating AWS call of a hand-over; redelivery at once and at +60 s | not run | artifacts/crash-drill/results.json missing |"
    cases = data["cases"]
    bad = [c for c in cases if broken(c)]
    return (f"| crash drill | SIGKILL before/after each mutating AWS call of a hand-over (in-process and as deployed); redelivery at once "
            f"and at +60 s; reclaim; state change; sweep | {len(cases)} cases | {len(cases) - len(bad)} with every invariant held, "
            f"{len(bad)} with at least one broken |")


def section(data):
    md = ["## Crash drill", ""]
    md.append("`test/MaxGroup.Integration.Tests/Reliability/Crash/` (opt-in matrix: `MAXGROUP_CRASH_DRILL=1`; the case *killed after "
              "RunInstances, in-process* is always on). Each case starts its own moto 5.2.1 with the demo's Spot group (three instances "
              "over two zones, a launch template whose data volume at /dev/sdf has DeleteOnTermination true, `persistence_dev: /dev/sdf`, "
              "launch strategy) and runs the hand-over in real child processes (`dotnet maxgroup.dll invoke dispatcher --event "
              "warning.json [--inline]`). A kill proxy in front of moto (ClientToken semantics for RunInstances, DynamoDB and Auto "
              "Scaling serialised) counts the mutating calls per service:Action and, at the case's point, SIGKILLs the child that made "
              "the call and drops its connection: *before* (never forwarded) or *after* (forwarded, the answer discarded). The warning is "
              "dated so the reclaim comes 100 s after its first delivery; it is delivered again at once and 60 s after the first delivery "
              "(Lambda's first async retry, ~40 s before the reclaim). As deployed, the dispatcher runs without `--inline`, the proxy "
              "answers Lambda Invoke with 202 and each step runs as its own child (`invoke replace|volume --event payload.json`), killable "
              "the same way and run again with the same payload 60 s after its death. At the reclaim the instance is terminated in moto, "
              "the state change is delivered (again at once if that child died), then the scheduled sweep.")
    md.append("")
    md.append("Invariants, from moto, the ledger and the proxy's own clock: **volume kept** (exists; on the successor at /dev/xvdz, or "
              "not attached and tagged open with a reason); **one successor** (exactly one live instance tagged `spotmax:replaces`, a "
              "group member); **capacity restored** (desired capacity and MaxSize where they began); **no untracked instance** (every "
              "live instance a group member or named in the ledger); **deadline met** (successor attached and doomed instance detached, "
              "by AttachInstances/DetachInstances answered 200, before the reclaim time). The deadline is required in every case: the "
              "retry at +60 s leaves 40 s before the reclaim, and a whole hand-over (launch, attach, 5 s detaching delay, detach) "
              "takes under 10 s in the calibration runs.")
    md.append("")
    if data is None:
        md.append("(the crash drill did not run: artifacts/crash-drill/results.json is missing)")
        md.append("")
        return md
    cases = data["cases"]
    md.append(f"Run {data['started']} to {data['finished']}.")
    md.append("")
    md.append("| mode | cases | every invariant held | " + " | ".join(INVARIANTS) + " | kill point not reached | error |")
    md.append("|---|---|---|" + "---|" * len(INVARIANTS) + "---|---|")
    for mode in sorted({c["mode"] for c in cases}):
        mine = [c for c in cases if c["mode"] == mode]
        counts = [sum(1 for c in mine if name in broken(c)) for name in INVARIANTS]
        unreached = sum(1 for c in mine if c.get("kill") and not c.get("kill_fired"))
        errors = sum(1 for c in mine if c.get("error"))
        md.append(f"| {mode} | {len(mine)} | {sum(1 for c in mine if not broken(c))} | "
                  + " | ".join(f"**{n} broken**" if n else "0 broken" for n in counts) + f" | {unreached} | {errors} |")
    md.append("")
    md.append("| mode | kill point | killed | broken invariants (what was seen) | ledger steps at the end |")
    md.append("|---|---|---|---|---|")
    for c in cases:
        killed = f"{c['killed_child']} at {c['killed_at_seconds']} s" if c.get("kill_fired") else ("—" if not c.get("kill") else "not reached")
        bad = [f"**{i['name']}**: {i['detail']}" for i in c.get("invariants", []) if not i["held"]]
        if c.get("error"):
            bad.append(f"**error**: {c['error']}")
        md.append(f"| {c['mode']} | {point(c)} | {cell(killed)} | {cell('; '.join(bad) if bad else 'none')} | {cell('; '.join(c.get('steps', [])))} |")
    md.append("")
    md.append("Per case: `artifacts/crash-drill/cases/<mode>-<point>/case.txt` (invariants, children, every mutating call with its time) "
              "and one log per child process. Rerun: `MAXGROUP_CRASH_DRILL=1 dotnet test test/MaxGroup.Integration.Tests --filter "
              "\"FullyQualifiedName~Reliability.Crash\"` (`MAXGROUP_CRASH_DRILL_MODES=inline`, `MAXGROUP_CRASH_DRILL_CALLS=RunInstances`, "
              "`MAXGROUP_CRASH_DRILL_PARALLEL=4` for a subset).")
    md.append("")
    return md


if __name__ == "__main__":
    print("\n".join(section(load())))
