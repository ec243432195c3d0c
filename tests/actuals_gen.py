#!/usr/bin/env python3
"""Generates request logs in every format ier-gate reads, from known calls,
and the summary each must give (tests/fixtures/actuals/logs/expected.json).

The expected figures are computed here, independently of ier-gate: exact
decimals, the nearest-rank rule, list prices of the built-in catalogue
typed in below. Run it again after changing it; tests/actuals.rs compares
`calibrate --format json` over each file with expected.json.
"""
import csv, gzip, io, json, math, os
from decimal import Decimal as D, ROUND_HALF_UP

OUT = os.path.join(os.path.dirname(__file__), "fixtures", "actuals", "logs")
MONTH = "2026-11"
# USD per 1M tokens: input, output, cache_write (5m), cache_read; batch sets.
PRICES = {
    "claude-sonnet-4-5": {"std": (D(3), D(15), D("3.75"), D("0.3")),
                          "batch": (D("1.5"), D("7.5"), D("3.75"), D("0.15"))},
    "claude-haiku-4-5": {"std": (D(1), D(5), D("1.25"), D("0.1")),
                         "batch": (D("0.5"), D("2.5"), D("1.25"), D("0.05"))},
}


def calls():
    """Every call: (feature, user, model, input incl. cache, output, cache_read, cache_write, batch, time)."""
    out = []
    n = 0
    def t():
        nonlocal n
        n += 1
        return "2026-11-%02dT%02d:%02d:%02dZ" % (1 + n % 28, n % 24, n % 60, n % 59)
    for i in range(30):
        for j in range(1 + (i * 7) % 13):
            cr, cw = (2400, 0) if j % 4 else (0, 2400)
            out.append(("meeting-summaries", "alice-%d" % i, "claude-sonnet-4-5",
                        6000 + ((i + j) % 5) * 10, 800 + (j % 3) * 5, cr, cw, j % 10 == 9, t()))
    for i in range(20):
        for j in range(1 + (i * 3) % 8):
            model = "claude-haiku-4-5" if (i + j) % 10 < 7 else "claude-sonnet-4-5"
            out.append(("support-answers", "bob-%d" % i, model, 3000 + j % 7, 400, 0, 0, False, t()))
    for j in range(4):
        out.append((None, "carol", "claude-haiku-4-5", 1000, 100, 0, 0, False, t()))
    for j in range(3):
        out.append(("not-declared", "dave", "claude-haiku-4-5", 1000, 100, 0, 0, False, t()))
    return out


def cost(model, i, o, cr, cw, batch):
    inp, out, cwp, crp = PRICES[model]["batch" if batch else "std"]
    return ((i - cr - cw) * inp + cr * crp + cw * cwp + o * out) / D(1_000_000)


def reported(c):
    return c + D("0.000001")


def fx(d, dp):
    return str(d.quantize(D(1).scaleb(-dp), rounding=ROUND_HALF_UP))


def expected(rows, with_batch, with_cost):
    feats = {}
    unattr_calls, unattr_cost = 0, D(0)
    for (f, u, m, i, o, cr, cw, b, _) in rows:
        b = b and with_batch
        c = cost(m, i, o, cr, cw, b)
        if f not in ("meeting-summaries", "support-answers"):
            unattr_calls += 1
            unattr_cost += c
            continue
        fe = feats.setdefault(f, {"users": {}, "w": {}, "cost": D(0), "rep": D(0)})
        fe["users"][u] = fe["users"].get(u, 0) + 1
        fe["cost"] += c
        fe["rep"] += reported(c)
        w = fe["w"].setdefault({"meeting-summaries": "summarize", "support-answers": "answer"}[f],
                               {"calls": 0, "i": 0, "o": 0, "cr": 0, "cw": 0, "m": {}, "b": 0, "cost": D(0)})
        w["calls"] += 1; w["i"] += i; w["o"] += o; w["cr"] += cr; w["cw"] += cw
        w["m"][m] = w["m"].get(m, 0) + 1
        w["b"] += 1 if b else 0
        w["cost"] += c
    features = []
    for name in sorted(feats):
        fe = feats[name]
        counts = sorted(fe["users"].values())
        n = len(counts)
        rank = lambda p: counts[max(1, math.ceil(p * n / 100)) - 1]
        workloads = []
        for wn in sorted(fe["w"]):
            w = fe["w"][wn]
            k = D(w["calls"])
            cache = w["cr"] + w["cw"]
            workloads.append({
                "name": wn, "calls": w["calls"],
                "input_tokens": fx(w["i"] / k, 2), "output_tokens": fx(w["o"] / k, 2),
                "cache_read_tokens": fx(w["cr"] / k, 2), "cache_write_tokens": fx(w["cw"] / k, 2),
                "cached_input_tokens": fx(cache / k, 2),
                "cache_hit_rate": fx(D(w["cr"]) / D(cache), 4) if cache else None,
                "models": {m: fx(D(c) / k, 4) for m, c in sorted(w["m"].items())},
                "batch_share": fx(w["b"] / k, 4), "cost": fx(w["cost"], 2)})
        features.append({
            "feature": name, "active_users": n,
            "calls_per_user": {"mean": fx(D(sum(counts)) / D(n), 2), "p50": rank(50), "p95": rank(95)},
            "workloads": workloads, "cost": fx(fe["cost"], 2),
            "reported_cost": fx(fe["rep"], 2) if with_cost else None})
    return [{"month": MONTH, "features": features,
             "unattributed": {"calls": unattr_calls, "cost": fx(unattr_cost, 2)}}]


def num(d):
    return format(d, "f")


def litellm(rows):
    for k, (f, u, m, i, o, cr, cw, b, t) in enumerate(rows):
        tags = (["feature:" + f] if f else []) + ["env:prod"]
        yield {"request_id": "req-%d" % k, "call_type": "acompletion", "api_key": "hashed",
               "spend": json.loads(num(reported(cost(m, i, o, cr, cw, b)))) if False else None,
               "_spend": num(reported(cost(m, i, o, cr, cw, b))),
               "total_tokens": i + o, "prompt_tokens": i, "completion_tokens": o,
               "startTime": t, "endTime": t, "model": ("anthropic/" + m) if k % 3 == 0 else m,
               "user": "svc-backend", "end_user": u, "request_tags": tags,
               "metadata": {"usage_object": {"cache_read_input_tokens": cr, "cache_creation_input_tokens": cw},
                            "batch": b}}


def dump_jsonl(path, records, opener=open):
    with opener(path, "wt") as fh:
        for r in records:
            fh.write(raw_json(r) + "\n")


def raw_json(r):
    """JSON with `_name` keys' text written as a bare number under `name`."""
    r = dict(r)
    bare = {k[1:]: r.pop(k) for k in list(r) if k.startswith("_")}
    for k in bare:
        r.pop(k, None)
        r[k] = "@@%s@@" % k
    s = json.dumps(r)
    for k, v in bare.items():
        s = s.replace('"@@%s@@"' % k, v)
    return s


def dump_csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def main():
    os.makedirs(OUT, exist_ok=True)
    rows = calls()
    lit = list(litellm(rows))
    dump_jsonl(os.path.join(OUT, "litellm.jsonl"), lit)
    dump_csv(os.path.join(OUT, "litellm.csv"),
             ["request_id", "call_type", "spend", "prompt_tokens", "completion_tokens", "startTime", "model",
              "user", "end_user", "request_tags", "metadata"],
             [[r["request_id"], r["call_type"], r["_spend"], r["prompt_tokens"], r["completion_tokens"],
               r["startTime"], r["model"], r["user"], r["end_user"], json.dumps(r["request_tags"]),
               json.dumps(r["metadata"])] for r in lit])
    lf = []
    for k, (f, u, m, i, o, cr, cw, b, t) in enumerate(rows):
        lf.append({"id": "obs-%d" % k, "traceId": "tr-%d" % k, "type": "GENERATION", "name": "llm",
                   "startTime": t, "model": m,
                   "usageDetails": {"input": i - cr - cw, "output": o, "cache_read_input_tokens": cr,
                                    "cache_creation_input_tokens": cw},
                   "_costDetails": '{"total": %s}' % num(reported(cost(m, i, o, cr, cw, b))),
                   "userId": u, "tags": ["feature:" + f] if f else [], "metadata": {"batch": b}})
        if k % 50 == 0:
            lf.append({"id": "span-%d" % k, "traceId": "tr-%d" % k, "type": "SPAN", "startTime": t})
    dump_jsonl(os.path.join(OUT, "langfuse.jsonl"), lf)
    gens = [r for r in lf if r["type"] == "GENERATION"]
    dump_csv(os.path.join(OUT, "langfuse.csv"),
             ["id", "traceId", "type", "startTime", "model", "usageDetails", "costDetails", "userId", "tags", "metadata"],
             [[r["id"], r["traceId"], r["type"], r["startTime"], r["model"], json.dumps(r["usageDetails"]),
               r["_costDetails"], r["userId"], json.dumps(r["tags"]), json.dumps(r["metadata"])] for r in gens])
    hc = []
    for k, (f, u, m, i, o, cr, cw, b, t) in enumerate(rows):
        hc.append({"request_id": "h-%d" % k, "request_created_at": t.replace("T", " ").replace("Z", "+00:00"),
                   "request_user_id": u, "request_properties": {"Feature": f} if f else {},
                   "model": m, "prompt_tokens": i, "completion_tokens": o,
                   "prompt_cache_read_tokens": cr, "prompt_cache_write_tokens": cw,
                   "_cost": num(reported(cost(m, i, o, cr, cw, False)))})
    dump_jsonl(os.path.join(OUT, "helicone.jsonl"), hc)
    dump_csv(os.path.join(OUT, "helicone.csv"),
             ["request_id", "request_created_at", "request_user_id", "Helicone-Property-Feature", "model",
              "prompt_tokens", "completion_tokens", "prompt_cache_read_tokens", "prompt_cache_write_tokens", "cost"],
             [[r["request_id"], r["request_created_at"], r["request_user_id"], r["request_properties"].get("Feature", ""),
               r["model"], r["prompt_tokens"], r["completion_tokens"], r["prompt_cache_read_tokens"],
               r["prompt_cache_write_tokens"], r["_cost"]] for r in hc])
    with open(os.path.join(OUT, "otel.jsonl"), "w") as fh:
        for start in range(0, len(rows), 10):
            spans = [{"traceId": "t", "spanId": "root", "name": "http", "startTimeUnixNano": "1793664000000000000",
                      "attributes": [{"key": "http.method", "value": {"stringValue": "POST"}}]}]
            for k, (f, u, m, i, o, cr, cw, b, t) in enumerate(rows[start:start + 10]):
                day, hh, mm, ss = int(t[8:10]), int(t[11:13]), int(t[14:16]), int(t[17:19])
                nanos = (1793491200 + (day - 1) * 86400 + hh * 3600 + mm * 60 + ss) * 10**9
                attrs = [{"key": "gen_ai.request.model", "value": {"stringValue": m}},
                         {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(i)}},
                         {"key": "gen_ai.usage.output_tokens", "value": {"intValue": str(o)}},
                         {"key": "gen_ai.usage.cache_read.input_tokens", "value": {"intValue": str(cr)}},
                         {"key": "gen_ai.usage.cache_creation.input_tokens", "value": {"intValue": cw}},
                         {"key": "user.id", "value": {"stringValue": u}}]
                if f:
                    attrs.append({"key": "app.feature", "value": {"stringValue": f}})
                spans.append({"traceId": "t", "spanId": "s%d" % k, "name": "chat " + m,
                              "startTimeUnixNano": str(nanos), "attributes": attrs})
            fh.write(json.dumps({"resourceSpans": [{"resource": {"attributes": [
                {"key": "service.name", "value": {"stringValue": "api"}}]},
                "scopeSpans": [{"scope": {"name": "genai"}, "spans": spans}]}]}) + "\n")
    ids = {"claude-sonnet-4-5": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
           "claude-haiku-4-5": "anthropic.claude-haiku-4-5-20251001-v1:0"}
    br = []
    for k, (f, u, m, i, o, cr, cw, b, t) in enumerate(rows):
        meta = {"user": u}
        if f:
            meta["feature"] = f
        br.append({"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": t,
                   "accountId": "123456789012", "region": "us-east-1", "requestId": "b-%d" % k,
                   "operation": "Converse", "modelId": ids[m],
                   "input": {"inputContentType": "application/json", "inputTokenCount": i - cr - cw,
                             "cacheReadInputTokenCount": cr, "cacheWriteInputTokenCount": cw},
                   "output": {"outputContentType": "application/json", "outputTokenCount": o},
                   "requestMetadata": meta})
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write("".join(json.dumps(r) + "\n" for r in br).encode())
    with open(os.path.join(OUT, "bedrock.jsonl.gz"), "wb") as fh:
        fh.write(buf.getvalue())
    dump_csv(os.path.join(OUT, "generic.csv"),
             ["ts", "model", "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens",
              "feature", "customer_id", "batch", "cost"],
             [[t, m, i, o, cr, cw, f or "", u, "true" if b else "false", num(reported(cost(m, i, o, cr, cw, b)))]
              for (f, u, m, i, o, cr, cw, b, t) in rows])
    exp = {
        "gateway": expected(rows, True, True),
        "traces": expected(rows, True, True),
        "helicone": expected(rows, False, True),
        "otel": expected(rows, False, False),
        "bedrock": expected(rows, False, False),
        "warehouse": expected(rows, True, True),
    }
    with open(os.path.join(OUT, "expected.json"), "w") as fh:
        json.dump(exp, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
