#!/usr/bin/env python3
"""Writes N LiteLLM-shaped JSONL rows (the fields of `LiteLLM_SpendLogs`
that tests/actuals_gen.py writes for the fixture, same names, same nesting)
for bench/actuals.sh, and what the per-user figures must be.

Fast by construction (10 million rows in about a minute): every piece of a
line that repeats is built once, a row only picks pieces by index. Users
are skewed (a few heavy users, a long tail), so the percentiles mean
something; the call count of every (feature, user) is known here, so the
expected active users, mean, p50 and p95 (nearest rank) are computed
independently of ier-gate and of DuckDB.

Usage: bench/actuals_gen.py ROWS OUT.jsonl EXPECTED.json
"""
import json, math, random, sys
from collections import Counter
from decimal import Decimal as D, ROUND_HALF_UP

FEATURES = ["meeting-summaries", "support-answers"]
USERS = [150_000, 50_000]
CYCLE = 1_000_003  # rows repeat their (feature, user) picks with this period
# (model, prompt incl. cache, completion, cache_read, cache_write, spend)
PRICE = {"claude-sonnet-4-5": (D(3), D(15), D("3.75"), D("0.3")),
         "claude-haiku-4-5": (D(1), D(5), D("1.25"), D("0.1"))}


def variants():
    out = []
    for k in range(20):
        model = "claude-sonnet-4-5" if k % 4 else "claude-haiku-4-5"
        i, o = 6000 + (k % 5) * 10, 800 + (k % 3) * 5
        cr, cw = (2400, 0) if k % 4 else (0, 2400)
        p = PRICE[model]
        spend = ((i - cr - cw) * p[0] + o * p[1] + cw * p[2] + cr * p[3]) / D(1_000_000)
        shown = ("anthropic/" + model) if k % 3 == 0 else model
        out.append('"total_tokens": %d, "prompt_tokens": %d, "completion_tokens": %d, ' % (i + o, i, o)
                   + '"model": "%s", "user": "svc-backend", ' % shown
                   + '"metadata": {"usage_object": {"cache_read_input_tokens": %d, '
                     '"cache_creation_input_tokens": %d}, "batch": false}, "spend": %s}\n' % (cr, cw, spend))
    return out


def picks(rng):
    """CYCLE (feature, user) picks: feature 0 three times in four; users
    skewed by a cube (low ids call far more); one row in 500 untagged."""
    out = []
    for _ in range(CYCLE):
        f = 0 if rng.random() < 0.75 else 1
        u = int(USERS[f] * rng.random() ** 3)
        out.append(-1 if rng.random() < 0.002 else f * 1_000_000 + u)
    return out


def main():
    n, path, expected = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    rng = random.Random(11)
    cyc = picks(rng)
    tags = ['"request_tags": ["feature:%s", "env:prod"], ' % f for f in FEATURES]
    untagged = '"request_tags": ["env:prod"], '
    users = [["u-%s-%06d" % (f[:4], u) for u in range(USERS[i])] for i, f in enumerate(FEATURES)]
    pre = []
    for p in cyc:
        if p < 0:
            pre.append('"end_user": "anon", ' + untagged)
        else:
            f, u = divmod(p, 1_000_000)
            pre.append('"end_user": "%s", ' % users[f][u] + tags[f])
    times = ['"startTime": "2026-11-%02dT%02d:%02d:%02dZ", "endTime": "2026-11-%02dT%02d:%02d:%02dZ", '
             % ((d, h, m, s) * 2) for d in range(1, 31) for h in range(24) for m in (7, 37) for s in (5,)]
    var = variants()
    nt, nv = len(times), len(var)
    with open(path, "w", buffering=1 << 22) as fh:
        chunk = 100_000
        for start in range(0, n, chunk):
            fh.write("".join(
                '{"request_id": "req-%d", "call_type": "acompletion", "api_key": "hashed", ' % k
                + times[k % nt] + pre[k % CYCLE] + var[k % nv]
                for k in range(start, min(n, start + chunk))))
    full, rest = divmod(n, CYCLE)
    counts = Counter(cyc)
    if full != 1:
        counts = Counter({k: v * full for k, v in counts.items()})
    counts.update(cyc[:rest])
    counts.pop(-1, None)
    out = {"rows": n, "features": {}}
    for fi, f in enumerate(FEATURES):
        c = sorted(v for k, v in counts.items() if k // 1_000_000 == fi)
        users_n = len(c)
        rank = lambda p: c[max(1, math.ceil(p * users_n / 100)) - 1]
        out["features"][f] = {"active_users": users_n, "calls": sum(c),
                              "mean": str((D(sum(c)) / D(users_n)).quantize(D("0.01"), rounding=ROUND_HALF_UP)),
                              "p50": rank(50), "p95": rank(95)}
    with open(expected, "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
