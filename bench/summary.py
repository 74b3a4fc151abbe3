#!/usr/bin/env python3
"""One summary table of every benchmark, read from the files the benchmarks write under artifacts/bench/.

Nothing is re-derived: each row quotes a figure a benchmark wrote (coldstart.json from bench/coldstart.py, the
critical-path-*.md, burst-*.md and drain.md tables the integration tests write, BenchmarkDotNet's CSV report), plus
the exit status bench/run.sh recorded per item (status.tsv). A missing file or figure shows as "not run" / "?".
Usage: summary.py [ARTIFACTS_DIR]   (default artifacts/bench); prints Markdown and writes summary.md there.
"""
import csv
import glob
import json
import os
import re
import sys


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return None


def figures(markdown):
    """The `| figure | value |` rows of a table written by a test, as a dict."""
    rows = {}
    for line in (markdown or "").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] not in ("figure", "") and not cells[0].startswith("---"):
            rows[cells[0]] = cells[1]
    return rows


def find(rows, prefix):
    return next((v for k, v in rows.items() if k.startswith(prefix)), "?")


def met(condition):
    return "?" if condition is None else ("met" if condition else "**MISSED**")


def ms(stats):
    return "%.1f ms (%.1f–%.1f)" % (stats["median"], stats["min"], stats["max"])


def coldstart_rows(directory):
    data = read(os.path.join(directory, "coldstart.json"))
    if data is None:
        return [("cold start", "not run", "", "", "")]
    data = json.loads(data)
    variants = data["variants"]
    rows = []
    runs = "median of %d (min–max)" % data["runs"]
    aot, jit = variants.get("AOT"), variants.get("JIT")
    for label, entry in variants.items():
        target = "< 80 ms" if label == "AOT" else ""
        ok = met(entry["init_ms"]["median"] < 80) if label == "AOT" else ""
        rows.append(("cold start", "%s: start → first Runtime API request, %s" % (label, runs), ms(entry["init_ms"]), target, ok))
        if "response_ms" in entry:
            rows.append(("cold start", "%s: start → first /response (unmanaged group, moto)" % label, ms(entry["response_ms"]), "", ""))
        if "size_bytes" in entry:
            rows.append(("cold start", "%s: size" % label, "{:,} bytes{}".format(entry["size_bytes"], entry.get("size_note", "")), "", ""))
    if aot and jit:
        ratio = data.get("ratio", {})
        rows.append(("cold start", "JIT/AOT ratio of medians, init (same run)", "%.1fx" % ratio["init"], ">= 4x", met(ratio["init"] >= 4)))
        if "response" in ratio:
            rows.append(("cold start", "JIT/AOT ratio of medians, first response", "%.1fx" % ratio["response"], "", ""))
    return rows


def critical_rows(directory):
    rows = []
    for strategy in ("launch", "detach"):
        text = read(os.path.join(directory, "critical-path-%s.md" % strategy))
        if text is None:
            rows.append(("critical path", strategy, "not run", "", ""))
            continue
        # "### cold: 11 sequential of 14 calls before RunInstances; successor requested 366 ms after ... (target <= 3 ...: MISSED)"
        found = {}
        for label, sequential, until, target in re.findall(
                r"^### (\w+): (\d+) sequential of \d+ calls before \w+; successor requested (.+?) after .*?target <= (\d+)", text, re.M):
            found[label] = (int(sequential), until, int(target))
        if not found:
            rows.append(("critical path", strategy, "? (table format changed)", "", ""))
            continue
        labels = [l for l in ("cold", "warm") if l in found] or list(found)
        target = found[labels[0]][2]
        rows.append(("critical path", "%s: sequential AWS calls before the successor request (%s)" % (strategy, " / ".join(labels)),
                     " / ".join(str(found[l][0]) for l in labels), "<= %d" % target,
                     met(all(found[l][0] <= target for l in labels))))
        rows.append(("critical path", "%s: warning → successor request (%s)" % (strategy, " / ".join(labels)),
                     " / ".join(found[l][1] for l in labels), "", ""))
    return rows


def duration(text):
    """BenchmarkDotNet's CSV gives every time in one unit (often ns): quote it in µs, as the docs do."""
    match = re.fullmatch(r"([\d,.]+) ns", (text or "").strip())
    return "%.2f µs" % (float(match.group(1).replace(",", "")) / 1000) if match else (text or "?")


def dispatcher_rows(directory):
    reports = glob.glob(os.path.join(directory, "BenchmarkDotNet.Artifacts", "results", "*DispatcherBenchmarks-report.csv"))
    if not reports:
        return [("dispatcher overhead", "not run", "", "", "")]
    with open(reports[0], encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    rows = []
    for row in table:
        value = "%s median (%s–%s), %s allocated" % (duration(row.get("Median")), duration(row.get("Min")), duration(row.get("Max")), row.get("Allocated", "?"))
        rows.append(("dispatcher overhead", row.get("Method", "?"), value, "", ""))
    return rows


def burst_rows(directory):
    rows = []
    for name, label in (("burst-unique.md", "unique"), ("burst-duplicates.md", "10% redeliveries")):
        text = read(os.path.join(directory, name))
        if text is None:
            rows.append(("burst", label, "not run", "", ""))
            continue
        title = re.search(r"^## Burst: (.*)$", text, re.M)
        f = figures(text)
        scale = title.group(1) if title else label
        once = find(f, "interrupted instances with exactly one successor")
        done = find(f, "ledger records with replace Done")
        problems = find(f, "problems")
        rows.append(("burst", "%s: %s" % (label, scale), "started/duplicate/failed %s" % find(f, "started / duplicate / failed"), "", ""))
        rows.append(("burst", "%s: exactly one successor; replace Done" % label, "%s; %s" % (once, done),
                     "all", met(problems == "0") if problems != "?" else "?"))
        rows.append(("burst", "%s: throughput; latency p50 / p99 / max" % label,
                     "%s; %s" % (find(f, "throughput"), find(f, "handling latency p50 / p99 / max")), "", ""))
    return rows


def drain_rows(directory):
    text = read(os.path.join(directory, "drain.md"))
    if text is None:
        return [("drain", "not run", "", "", "")]
    title = re.search(r"^## Drain: (.*)$", text, re.M)
    f = figures(text)
    return [
        ("drain", title.group(1) if title else "drain", "%s, %s pods evicted in %s" % (find(f, "outcome"), find(f, "pods evicted"), find(f, "time to drain")), "", ""),
        ("drain", "API requests (evictions incl. 429 retries); peak in 1 s", "%s (%s); %s" % (find(f, "API requests issued"), find(f, "eviction requests"), find(f, "peak requests")), "<= 103 (50 QPS + burst 50 + 3)", ""),
    ]


def peer_rows(directory):
    data = read(os.path.join(directory, "peer.json"))
    if not data:
        return [("peer", "not run (PEER_SAMPLE_DIR unset?)", "", "", "")]
    data = json.loads(data)
    medians = data["medians"]
    rows = []
    for label, target in (("cold", 0.33), ("warm", 1.5)):
        ratio = medians["maxgroup"][label] / medians["sample"][label]
        rows.append(("peer", "%s, MaxGroup / AWS sample (medians of %d)" % (label, data["runs"]),
                     "%.0f / %.0f ms = %.2fx" % (medians["maxgroup"][label], medians["sample"][label], ratio),
                     "<= %.2fx" % target, "yes" if ratio <= target else "no"))
    waves = data["last"]["maxgroup"]["warm"]["waves"]
    rows.append(("peer", "sequential waves before DetachInstances (warm)", str(waves), "<= 2", "yes" if waves <= 2 else "no"))
    return rows


def memory_rows(directory):
    """The last row per function of the memory bench's tables (peak RSS after the most invocations)."""
    rows = []
    for name in ("memory-drain.md", "memory-burst.md"):
        text = read(os.path.join(directory, name))
        if text is None:
            rows.append(("memory", "%s not run" % name, "", "", ""))
            continue
        last = {}
        for line in text.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 5 and cells[0].isdigit():
                function = "drain" if name == "memory-drain.md" else cells[1]
                last[function] = cells
        problems = re.search(r"^problems: (\d+)", text, re.M)
        for function, cells in last.items():
            rows.append(("memory", "%s: peak RSS, CPU after %s invocations" % (function, cells[0]), "%s, %s" % (cells[2], cells[4]),
                         "2x headroom in MemorySize", met(problems.group(1) == "0") if problems else "?"))
    return rows


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "artifacts/bench"
    status = {}
    for line in (read(os.path.join(directory, "status.tsv")) or "").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            status[parts[0]] = parts[1]
    sections = [("coldstart", coldstart_rows), ("critical", critical_rows), ("dispatcher", dispatcher_rows),
                ("burst", burst_rows), ("drain", drain_rows), ("peer", peer_rows), ("memory", memory_rows)]
    lines = ["| item | figure | value | target | met? |", "|---|---|---|---|---|"]
    for item, rows_of in sections:
        rows = rows_of(directory)
        if item in status:
            first = rows[0]
            rows[0] = ("%s [%s]" % (first[0], status[item]),) + tuple(first[1:])
        lines.extend("| %s |" % " | ".join(row) for row in rows)
    machine = read(os.path.join(directory, "machine.md"))
    text = (machine.strip() + "\n\n" if machine else "") + "## Summary\n\n" + "\n".join(lines) + "\n"
    with open(os.path.join(directory, "summary.md"), "w", encoding="utf-8") as f:
        f.write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
