#!/usr/bin/env python3
"""Per-call overhead of the Python binding's `check` on a one-resource dict.

    python bench/python-overhead.py [N] [RUST_US]

Times N calls of `amlguard.check(resource)` (resource: bench/one-resource.json,
an Azure ML workspace, as a dict) against N calls of a no-op Python function
taking the same arguments (the cost of a Python call alone), and prints both
per-call times and their ratio. RUST_US, if given, is the same check done in
Rust in-process (`amlguard-bench one bench/one-resource.json`, microseconds per
call); the difference is what the binding adds (dict -> Value conversion, the
report's conversion back, the Python wrapper).
"""
import json
import os
import sys
import time

import amlguard

HERE = os.path.dirname(os.path.abspath(__file__))


def per_call_us(fn, arg, n):
    best = float("inf")
    for _ in range(3):  # best of three: the machine is shared
        t = time.perf_counter()
        for _ in range(n):
            fn(arg)
        best = min(best, time.perf_counter() - t)
    return best * 1e6 / n


def noop(source, **_kw):
    return source


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rust_us = float(sys.argv[2]) if len(sys.argv) > 2 else None
    with open(os.path.join(HERE, "one-resource.json"), encoding="utf-8") as f:
        resource = json.load(f)
    report = amlguard.check(resource)  # warm up: embedded catalog, alias tables
    findings = len(report.findings)
    check_us = per_call_us(amlguard.check, resource, n)
    noop_us = per_call_us(noop, resource, n)
    print(f"python_calls={n} findings_per_call={findings}")
    print(f"python_check_us={check_us:.1f}")
    print(f"python_noop_call_us={noop_us:.3f}")
    print(f"python_check_vs_noop_ratio={check_us / noop_us:.0f}")
    if rust_us:
        print(f"rust_check_us={rust_us:.1f}")
        print(f"python_overhead_us={check_us - rust_us:.1f}")
        print(f"python_vs_rust_ratio={check_us / rust_us:.2f}")


if __name__ == "__main__":
    main()
