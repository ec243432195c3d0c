#!/usr/bin/env python3
"""Generate a repository holding ONE cost manifest with many workloads.

    python3 bench/gen_wide.py OUT_DIR [--workloads 1500] [--horizon 36] [--seed 11] [--compact]

Levers and the sensitivity table look at every input of every workload of
the features they consider, so a single wide manifest is the case that
shows whether a what-if costs one workload's term or the whole feature.
The default writes block-style workloads like `gen_manifests.py` (1,500
of them are ~160 KB); `--compact` writes one flow mapping per line so that
10,000 workloads fit the 1 MiB input limit. The feature fails the launch
floor so levers are computed too. Deterministic for a given seed.
"""

import argparse
import os
import random

import gen_manifests as g

COMPACT_MODELS = ["gpt-5", "gpt-5-mini", "claude-haiku-4-5", "claude-sonnet-4-5", "gemini-2.5-flash"]


def compact(rng, j):
    fields = [
        f"name: w{j}",
        f"model: {rng.choice(COMPACT_MODELS)}",
        f"calls_per_user_month: {rng.randint(1, 99)}",
        f"input_tokens: {rng.choice([800, 1500, 3000, 6000])}",
        f"output_tokens: {rng.choice([100, 300, 600])}",
    ]
    return "  - {" + ",".join(fields) + "}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--workloads", type=int, default=1500)
    ap.add_argument("--horizon", type=int, default=36)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--compact", action="store_true")
    # A small company, so that one wide feature moves its IER below the floor.
    ap.add_argument("--revenue", default="100000000")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    os.makedirs(os.path.join(a.out, ".ier"), exist_ok=True)
    with open(os.path.join(a.out, ".ier", "policy.yaml"), "w") as f:
        f.write(g.POLICY.format(horizon=a.horizon))
    with open(os.path.join(a.out, ".ier", "baseline.yaml"), "w") as f:
        f.write(g.BASELINE.format(revenue=a.revenue))
    out = [
        "version: 1",
        "feature: wide-feature",
        "title: One feature with many workloads",
        'owner: "@bench/wide"',
        "launch: 2026-12",
        "adoption:",
        "  users: 40000",
        "  ramp: [0.1, 0.3, 0.6, 0.8, 0.9, 1.0]",
        "revenue:",
        "  per_user_month: 30.00",
        "workloads:",
    ]
    for j in range(a.workloads):
        if a.compact:
            out.append(compact(rng, j))
        else:
            out.extend(g.workload(rng, 0, j))
    out += [
        "embeddings:",
        "  - model: text-embedding-3-small",
        "    tokens_per_user_month: 100000",
        "infrastructure:",
        "  - name: vector-db",
        "    monthly: 800",
        "    per_user_month: 0.02",
    ]
    d = os.path.join(a.out, "ai-features")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "wide-feature.yaml"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
