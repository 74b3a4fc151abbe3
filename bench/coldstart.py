#!/usr/bin/env python3
"""Process start to first Lambda Runtime API request, for one or more bootstrap command lines.

For each run: open a loopback listener standing in for the Runtime API, start the bootstrap with
AWS_LAMBDA_RUNTIME_API pointing at it, and stop the clock when the complete first request
(GET /2018-06-01/runtime/invocation/next) has arrived. The process is then killed; nothing is served.
Usage: coldstart.py --runs 10 LABEL=COMMAND [LABEL=COMMAND ...]   (COMMAND split on spaces)
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import time


def one_run(command, timeout_s):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(timeout_s)
        env = dict(os.environ)
        env.update({
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % server.getsockname()[1],
            "_HANDLER": "dispatcher",
            "AWS_LAMBDA_FUNCTION_NAME": "maxgroup-bench",
            "AWS_REGION": "us-east-1",
        })
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            connection, _ = server.accept()
            with connection:
                connection.settimeout(timeout_s)
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                elapsed_ms = (time.perf_counter() - started) * 1000
            first_line = request.split(b"\r\n", 1)[0].decode("ascii", "replace")
            if not first_line.startswith("GET /2018-06-01/runtime/invocation/next"):
                raise RuntimeError("unexpected first request: %r" % first_line)
            return elapsed_ms
        finally:
            process.kill()
            process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("variants", nargs="+", metavar="LABEL=COMMAND")
    args = parser.parse_args()

    print("start to first Runtime API request, %d runs each (ms)" % args.runs)
    print("%-6s %8s %8s %8s" % ("build", "median", "min", "max"))
    for variant in args.variants:
        label, _, command = variant.partition("=")
        one_run(command.split(), args.timeout)  # warm the page cache; not counted
        samples = [one_run(command.split(), args.timeout) for _ in range(args.runs)]
        print("%-6s %8.1f %8.1f %8.1f" % (label, statistics.median(samples), min(samples), max(samples)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
