"""Run every bench/bench_*.py module's main() in turn; `python -m bench [NAME...]`.

Each benchmark runs in a fresh interpreter: one bench's memory, threads and servers must not
weigh on the next (a child's ru_maxrss even inherits its spawning process's peak).
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import bench


def run_one(name: str) -> int:
    return int(importlib.import_module(f"bench.{name}").main() or 0)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        return run_one(argv[1])
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__)
                   if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    failed = []
    for name in names:
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, "-m", "bench", "--one", name]).returncode:
            failed.append(name)
    print(f"{len(names) - len(failed)} benchmarks met their targets, {len(failed)} did not"
          + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
