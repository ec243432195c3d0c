#!/usr/bin/env python3
"""Generate a benchmark repository for ier-gate.

    python3 bench/gen_manifests.py OUT_DIR [--count 1000] [--horizon 120] [--seed 7]

Writes OUT_DIR/.ier/policy.yaml, OUT_DIR/.ier/baseline.yaml and COUNT cost
manifests under OUT_DIR/ai-features/ (spread over sub-directories). The mix is
deterministic for a given seed and every manifest is valid: unique feature
ids, route shares that sum to exactly 1, cached tokens <= input tokens with a
hit rate, `batch: true` only on models with batch prices, p50 <= p95.
"""

import argparse
import os
import random

# Catalogue models with a batch price set (see `ier-gate prices`).
LLMS = [
    "claude-haiku-4-5",
    "claude-sonnet-4-5",
    "claude-opus-4-5",
    "gpt-4.1-mini",
    "gpt-5-mini",
    "gpt-5",
    "gemini-2.5-flash",
    "gemini-3.6-flash",  # has a dated price change inside the horizon
    "o4-mini",
]
EMBEDDINGS = ["text-embedding-3-small", "text-embedding-3-large", "voyage-3.5", "gemini-embedding-001"]
# Route shares written as decimal strings so they sum to exactly 1.
SHARES = [("0.7", "0.3"), ("0.5", "0.5"), ("0.8", "0.2"), ("0.6", "0.25", "0.15"), ("0.9", "0.1")]
RAMPS = [None, "[0.25, 0.5, 0.75, 1.0]", "[0.1, 0.3, 0.6, 0.8, 0.9, 1.0]", "[0.5, 1.0]"]

POLICY = """\
version: 1
business_model: ai-infused
gate:
  basis: in-month
  horizon_months: {horizon}
  launch_floor: 8
  strict: false
  feature_floor: 2
  min_p95_user_ier: 1
mitigation:
  accepted: true
scenarios:
  price_shock: 0.5
"""

BASELINE = """\
version: 1
currency: USD
months:
  - month: 2026-06
    revenue: 95000000
    inference: {{ llm: 6100000, embeddings: 410000, vector_db: 380000, overage: 90000 }}
  - month: 2026-07
    revenue: 97500000
    inference: {{ llm: 6250000, embeddings: 420000, vector_db: 385000, overage: 95000 }}
  - month: 2026-08
    revenue: {revenue}
    inference: {{ llm: 6400000, embeddings: 430000, vector_db: 390000, overage: 100000 }}
"""


def workload(rng, i, j):
    lines = [f"  - name: w{j}"]
    if rng.random() < 0.3:
        shares = rng.choice(SHARES)
        models = rng.sample(LLMS, len(shares))
        lines.append("    route:")
        for m, s in zip(models, shares):
            lines.append(f"      - {{ model: {m}, share: {s} }}")
    else:
        lines.append(f"    model: {rng.choice(LLMS)}")
    if rng.random() < 0.35:
        p50 = rng.randint(2, 40)
        p95 = p50 * rng.randint(2, 8)
        lines.append(f"    calls_per_user_month: {{ p50: {p50}, p95: {p95} }}")
    else:
        lines.append(f"    calls_per_user_month: {rng.randint(1, 120)}")
    inp = rng.choice([800, 1500, 3000, 6000, 12000, 30000])
    lines.append(f"    input_tokens: {inp}")
    lines.append(f"    output_tokens: {rng.choice([100, 300, 600, 1200])}")
    if rng.random() < 0.4:
        lines.append(f"    cached_input_tokens: {inp * rng.choice([1, 2, 3]) // 4}")
        lines.append(f"    cache_hit_rate: {rng.choice(['0.5', '0.7', '0.85', '0.95'])}")
        lines.append(f"    cache_ttl: {rng.choice(['5m', '1h'])}")
    if rng.random() < 0.15:
        lines.append("    batch: true")
    return lines


def manifest(rng, i):
    feature = f"feature-{i:04d}"
    users = rng.choice([200, 1000, 2500, 5000, 12000, 40000])
    out = [
        "version: 1",
        f"feature: {feature}",
        f"title: Benchmark feature {i}",
        f'owner: "@bench/team-{i % 17}"',
        "launch: 2026-12",
        "adoption:",
        f"  users: {users}",
    ]
    ramp = rng.choice(RAMPS)
    if ramp:
        out.append(f"  ramp: {ramp}")
    out.append("revenue:")
    if rng.random() < 0.8:
        out.append(f"  per_user_month: {rng.choice(['2.00', '4.00', '8.00', '15.00', '30.00'])}")
    else:
        out.append(f"  monthly: {users * rng.choice([3, 6, 10])}")

    has_w = rng.random() < 0.9
    has_e = rng.random() < 0.4
    has_i = rng.random() < 0.35
    if not (has_w or has_e or has_i):
        has_w = True
    if has_w:
        out.append("workloads:")
        for j in range(rng.choice([1, 1, 2, 3])):
            out.extend(workload(rng, i, j))
    if has_e:
        out.append("embeddings:")
        out.append(f"  - model: {rng.choice(EMBEDDINGS)}")
        out.append(f"    tokens_per_user_month: {rng.choice([20000, 100000, 500000])}")
        if rng.random() < 0.3:
            out.append(f"    tokens_per_month: {rng.choice([5000000, 50000000])}")
    if has_i:
        out.append("infrastructure:")
        out.append("  - name: vector-db")
        out.append(f"    monthly: {rng.choice([200, 800, 1500])}")
        if rng.random() < 0.5:
            out.append(f"    per_user_month: {rng.choice(['0.01', '0.02', '0.05'])}")
    if rng.random() < 0.1:
        out.append("mitigation:")
        out.append("  plan: Route the long tail to a smaller model after the first quarter.")
        out.append(f'  owner: "@bench/owner-{i % 5}"')
        out.append("  due: 2027-06")
    return feature, "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--horizon", type=int, default=120)
    ap.add_argument("--seed", type=int, default=7)
    # The company is large enough that 1,000 launches keep it near its IER.
    ap.add_argument("--revenue", default="100000000")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    os.makedirs(os.path.join(a.out, ".ier"), exist_ok=True)
    with open(os.path.join(a.out, ".ier", "policy.yaml"), "w") as f:
        f.write(POLICY.format(horizon=a.horizon))
    with open(os.path.join(a.out, ".ier", "baseline.yaml"), "w") as f:
        f.write(BASELINE.format(revenue=a.revenue))
    seen = set()
    for i in range(a.count):
        feature, text = manifest(rng, i)
        assert feature not in seen
        seen.add(feature)
        d = os.path.join(a.out, "ai-features", f"team-{i % 20:02d}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"{feature}.yaml"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
