"""The quick report on a loaded machine: wall and CPU time beside a CPU-bound job.

Usage: python benchmarks/bench_loaded.py [--sections NAME,...] [--hogs K]

Runs ``rmttheory validate`` (quick) three times, each in a fresh folder, as a separate
process: on the idle machine; beside K busy-looping processes (default: half the cores);
and beside them again with the thread cap switched off (``RMTTHEORY_THREADS=0``: torch,
BLAS and OpenMP at their defaults of one thread per core, as before the cap).  Prints wall
seconds, CPU seconds of the report and the slowdown against idle.  The goal (issue 22): the
loaded run within 2x the idle one when half the cores are busy.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def run(sections: str | None, env: dict[str, str]) -> tuple[float, float, dict[str, float]]:
    out = tempfile.mkdtemp(prefix="rmttheory-bench-")
    cmd = [sys.executable, "-m", "rmttheory.cli", "validate", "--out", out, "--json"]
    if sections:
        cmd += ["--sections", sections]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=False, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    report = os.path.join(out, "report.json")
    seconds = {}
    if os.path.exists(report):
        with open(report) as f:
            seconds = json.load(f)["summary"]["seconds"]
    return wall, cpu, seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sections", default=None)
    ap.add_argument("--hogs", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    args = ap.parse_args()
    env = dict(os.environ)
    env.pop("RMTTHEORY_THREADS", None)
    print(f"{os.cpu_count()} cores; background: {args.hogs} busy process(es)")
    for _ in range(60):  # an idle machine for the idle run: the load of earlier work gone
        if os.getloadavg()[0] < 0.5:
            break
        time.sleep(5)
    idle = run(args.sections, env)
    print(f"idle:                  wall {idle[0]:7.1f} s, cpu {idle[1]:7.1f} s")
    print("  per section (s):", json.dumps(idle[2]))
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(args.hogs)]  # fmt: skip
    try:
        time.sleep(65)  # let the one-minute load average see the background job
        capped = run(args.sections, env)
        print(f"loaded, capped:        wall {capped[0]:7.1f} s, cpu {capped[1]:7.1f} s, "
              f"slowdown {capped[0] / idle[0]:.2f}x")  # fmt: skip
        print("  per section (s):", json.dumps(capped[2]))
        uncapped = run(args.sections, {**env, "RMTTHEORY_THREADS": "0"})
        print(f"loaded, no cap (before): wall {uncapped[0]:7.1f} s, cpu {uncapped[1]:7.1f} s, "
              f"slowdown {uncapped[0] / idle[0]:.2f}x")  # fmt: skip
    finally:
        for h in hogs:
            h.kill()


if __name__ == "__main__":
    main()
