"""Run every bench/bench_*.py module's main() in turn; `python -m bench [NAME...]`."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback

import bench


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    failed = 0
    for name in names:
        print(f"== {name}", flush=True)
        try:
            rc = importlib.import_module(f"bench.{name}").main()
        except Exception:
            traceback.print_exc()
            rc = 1
        failed += bool(rc)
    print(f"{len(names) - failed} benchmarks met their targets, {failed} did not")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
