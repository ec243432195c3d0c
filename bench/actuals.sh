#!/usr/bin/env bash
# `ier-gate calibrate` against DuckDB on one generated LiteLLM JSONL file
# (SPEC 8, issue 11): rows per second and peak memory (/usr/bin/time -v's
# maximum resident set) of each, run alternately ROUNDS times, and the
# per-user figures of both checked against what the generator knows.
#
# Usage: bench/actuals.sh [ROWS] [ROUNDS]      (default 10000000 rows, 2 rounds)
# Env:   BIN=path/to/ier-gate (default target/release/ier-gate; build it with
#        `cargo build --release --locked` first), TMP=dir for the file (default
#        /tmp/ier-gate-bench-actuals; 10M rows are about 5 GB), KEEP=1 keeps it.
# DuckDB is the PyPI package duckdb==2.0.0 in target/bench-venv (created on
# first use). Not part of .ci/run: 10M rows take minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
rounds=${2:-2}
bin=${BIN:-target/release/ier-gate}
tmp=${TMP:-/tmp/ier-gate-bench-actuals}
venv=target/bench-venv
[[ -x $bin ]] || { echo "no $bin: cargo build --release --locked" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (GNU time) for peak memory" >&2; exit 1; }
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import duckdb' 2>/dev/null ||
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check duckdb==2.0.0
mkdir -p "$tmp"
log=$tmp/litellm-$rows.jsonl
if [[ ! -s $log || ! -s $tmp/expected-$rows.json ]]; then
  start=$(date +%s.%N)
  python3 bench/actuals_gen.py "$rows" "$log" "$tmp/expected-$rows.json"
  echo "generated $rows rows ($(du -h "$log" | cut -f1)) in $(echo "$(date +%s.%N) - $start" | bc) s"
fi
rm -rf "$tmp/repo" && cp -r tests/fixtures/actuals/repo "$tmp/repo"
echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm the page cache once, so neither side pays the first read from disk.
cat "$log" > /dev/null

measure() { # NAME OUT CMD...: one timed run, appended to $tmp/runs.tsv
  local name=$1 out=$2; shift 2
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -v -o "$tmp/time.txt" "$@" > "$out"
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$tmp/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
  printf '%s\t%s\t%s\t%s\n' "$name" "$wall" "$rss" "$load" >> "$tmp/runs.tsv"
}

: > "$tmp/runs.tsv"
for ((r = 1; r <= rounds; r++)); do
  measure ier-gate "$tmp/ier-gate.json" "$bin" calibrate -C "$tmp/repo" --source gateway \
    --dry-run --format json "$log"
  measure duckdb "$tmp/duckdb.json" "$venv/bin/python" bench/actuals_duckdb.py "$log"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$rows" "$tmp" <<'EOF'
import json, sys
rows, tmp = int(sys.argv[1]), sys.argv[2]
want = json.load(open("%s/expected-%d.json" % (tmp, rows)))["features"]
ours = {f["feature"]: f for f in json.load(open(tmp + "/ier-gate.json"))["months"][0]["features"]}
duck = {f["feature"]: f for f in json.load(open(tmp + "/duckdb.json"))}
bad = []
for name, w in want.items():
    o, d = ours[name], duck[name]
    got_o = (o["active_users"], o["calls_per_user"]["mean"], o["calls_per_user"]["p50"], o["calls_per_user"]["p95"],
             sum(x["calls"] for x in o["workloads"]))
    got_d = (d["active_users"], "%.2f" % float(d["mean"]), d["p50"], d["p95"], d["calls"])
    exp = (w["active_users"], w["mean"], w["p50"], w["p95"], w["calls"])
    print("%-18s users %d, calls/user mean %s p50 %d p95 %d, calls %d" % ((name,) + exp))
    if got_o != exp:
        bad.append("ier-gate %s: %s, expected %s" % (name, got_o, exp))
    if got_d != exp:
        bad.append("duckdb %s: %s, expected %s" % (name, got_d, exp))
runs = [l.rstrip("\n").split("\t") for l in open(tmp + "/runs.tsv")]
print("\n| run | tool | seconds | rows/s | peak MB | load (1 min) |\n| --- | --- | ---: | ---: | ---: | ---: |")
for i, (name, wall, rss, load) in enumerate(runs):
    print("| %d | %s | %.1f | %s | %.0f | %s |" % (i // 2 + 1, name, float(wall), format(int(rows / float(wall)), ","),
                                              int(rss) / 1024, load))
for name in ("ier-gate", "duckdb"):
    best = min(float(w) for n, w, _, _ in runs if n == name)
    peak = max(int(r) for n, _, r, _ in runs if n == name) / 1024
    print("%-8s best %.1f s = %s rows/s, peak %.0f MB" % (name, best, format(int(rows / best), ","), peak))
if bad:
    sys.exit("figures differ:\n" + "\n".join(bad))
print("both agree with the generator on every figure above")
EOF
[[ ${KEEP:-} == 1 ]] || rm -f "$log"
