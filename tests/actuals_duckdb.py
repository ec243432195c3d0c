#!/usr/bin/env python3
"""SPEC 8.2's promise that raw rows and the warehouse's result give one
summary: the LiteLLM fixture is loaded into DuckDB as a `LiteLLM_SpendLogs`
table (the proxy's own column types: spend a double, tags and metadata
JSON), the query of `calibrate --emit-sql duckdb` runs over it, and
`calibrate --aggregates` over its CSV result must print and write exactly
what `calibrate` over the raw JSONL does.

Usage: python tests/actuals_duckdb.py [path/to/ier-gate]   (needs `duckdb`)
"""
import json, os, shutil, subprocess, sys, tempfile

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "ier-gate")
REPO = os.path.join(ROOT, "tests", "fixtures", "actuals", "repo")
LOG = os.path.join(ROOT, "tests", "fixtures", "actuals", "logs", "litellm.jsonl")


def calibrate(repo, *args):
    p = subprocess.run([BIN, "calibrate", "-C", repo, "--source", "gateway", *args],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("calibrate %s failed (%d):\n%s" % (" ".join(args), p.returncode, p.stderr))
    return p.stdout


def main():
    con = duckdb.connect()
    con.execute('''CREATE TABLE "LiteLLM_SpendLogs" (
        request_id VARCHAR PRIMARY KEY, call_type VARCHAR, spend DOUBLE,
        prompt_tokens INTEGER, completion_tokens INTEGER, "startTime" TIMESTAMP,
        model VARCHAR, "user" VARCHAR, end_user VARCHAR, request_tags JSON, metadata JSON)''')
    rows = []
    with open(LOG) as fh:
        for line in fh:
            r = json.loads(line)
            rows.append((r["request_id"], r["call_type"], r["spend"], r["prompt_tokens"],
                         r["completion_tokens"], r["startTime"].rstrip("Z"), r["model"], r["user"],
                         r["end_user"], json.dumps(r["request_tags"]), json.dumps(r["metadata"])))
    con.executemany('INSERT INTO "LiteLLM_SpendLogs" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', rows)
    query = calibrate(REPO, "--emit-sql", "duckdb")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "aggregates.csv")
        con.execute("COPY (%s) TO '%s' (HEADER, DELIMITER ',')" % (query.strip().rstrip(";"), out))
        groups = sum(1 for _ in open(out)) - 1
        raw_dir, agg_dir = os.path.join(tmp, "raw"), os.path.join(tmp, "agg")
        for d in (raw_dir, agg_dir):
            shutil.copytree(REPO, d)
            shutil.rmtree(os.path.join(d, ".ier", "actuals"))
        raw = calibrate(raw_dir, "--format", "json", LOG)
        agg = calibrate(agg_dir, "--format", "json", "--aggregates", out)
        if raw != agg:
            sys.exit("--aggregates differs from the raw pass:\n--- raw\n%s\n--- aggregates\n%s" % (raw, agg))
        for name in os.listdir(os.path.join(raw_dir, ".ier", "actuals")):
            a = open(os.path.join(raw_dir, ".ier", "actuals", name)).read()
            b = open(os.path.join(agg_dir, ".ier", "actuals", name)).read()
            if a != b:
                sys.exit("summary %s differs between the raw pass and --aggregates" % name)
    print("actuals: %d LiteLLM rows -> %d DuckDB groups -> the same summary as the raw pass" % (len(rows), groups))


if __name__ == "__main__":
    main()
