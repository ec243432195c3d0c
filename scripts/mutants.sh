#!/usr/bin/env bash
# Mutation testing of the arithmetic and verdict modules (issue 14) with
# cargo-mutants: each mutant (an operator swapped, a function body replaced
# by a default) is built and the whole `cargo test --locked` suite run
# against it; a mutant no test fails is a gap. Slow: not in .ci/run.
#
#   scripts/mutants.sh                      # src/gate and src/prices
#   scripts/mutants.sh src/gate/margin.rs   # one file (or any -f glob)
#   JOBS=2 scripts/mutants.sh               # parallel copies of the tree
#   RESUME=1 scripts/mutants.sh             # only what docs/mutants/ lacks
#   ENGINE=1 TIMEOUT=40 RESUME=1 EXTRA="--shuffle --shard 0/2 --sharding round-robin" \
#     scripts/mutants.sh FILES...           # the fourth run, one of two shards
#   FAST=1 EXTRA=--shuffle scripts/mutants.sh FILES...
#       skips the tests that wait on purpose (retries, timeouts) or draw
#       (PNG), so each mutant costs ~15 s instead of ~28 s; in random order
#       a run stopped early is a uniform sample. Run what it misses again
#       in full (`SKIP= EXTRA=--iterate`): it reruns only the missed ones.
#
# Measured 2026-12-02 on the 2-core machine: src/gate has 672 mutants and
# src/prices 335; src/gate/margin.rs (4 mutants: 3 caught, 1 unviable) took
# 2 min 15 s in place, about 35-45 s a mutant (an incremental build of the
# crate and its test binary, then the suite), so the whole set is some 10 to
# 13 hours of the machine. The results land in mutants.out/
# (outcomes.json, caught.txt, missed.txt); README "Mutation testing".
set -euo pipefail
cd "$(dirname "$0")/.."
tool=target/mutants-tool
[[ -x $tool/bin/cargo-mutants ]] ||
  cargo install --locked cargo-mutants@27.1.0 --root "$tool"
files=("$@")
[[ ${#files[@]} -gt 0 ]] || files=("src/gate/**" "src/prices/**")
args=()
for f in "${files[@]}"; do args+=(-f "$f"); done
# The two input-limit tests of tests/hostile.rs (a billion laughs placed
# everywhere, hostile text through every output) take 18 s each of the
# suite's 37 in a debug build and judge no arithmetic; SKIP="" runs them.
skip=${SKIP-hostile::limit_billion_laughs hostile::corpus}
# The waiting and drawing tests: 12 s of the remaining suite's test time
# (libtest --report-time), none of it on arithmetic another test misses.
[[ -z ${FAST:-} ]] ||
  skip+=" github::fault_ github::scanning_comments chart::png_charts"
# ENGINE=1 runs only the tests that exercise the arithmetic (the unit
# tests and the engine, what-if, actuals, catalogue and CLI-snapshot
# modules): about 12 s a mutant on each of two shards instead of 15 to 30.
# A mutant only the skipped modules would catch shows as missed, so check
# each survivor by hand before counting it.
[[ -z ${ENGINE:-} ]] ||
  skip+=" github:: hostile:: actuals_scale:: finance:: layout:: init:: chart:: security:: render:: speed::check_on_several_threads cli::coloured_reports cli::every_text_report"
timeout=${TIMEOUT:-600}
read -r -a extra <<< "${EXTRA:-}"
# RESUME=1 skips what docs/mutants/ records as caught, timed out or
# unviable (names carry line numbers: a mutant of a file edited since is
# new to it and runs), so a run spread over several sittings adds up.
if [[ -n ${RESUME:-} ]]; then
  mkdir -p mutants.out
  cat docs/mutants/{caught,timeout,unviable}.txt > mutants.out/previously_caught.txt
  extra+=(--iterate)
fi
test_args=()
for t in $skip; do test_args+=(--skip "$t"); done
# mold, where installed, links each mutant's test binaries in a fraction of
# ld's time; it changes RUSTFLAGS, so the builds go to a target directory
# of their own instead of invalidating target/.
if command -v mold > /dev/null; then
  export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-fuse-ld=mold"
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target/mutants-build}
fi
if [[ ${JOBS:-1} -gt 1 ]]; then
  exec "$tool/bin/cargo-mutants" mutants --jobs "$JOBS" --timeout "$timeout" "${extra[@]}" "${args[@]}" -- -- "${test_args[@]}"
fi
# --in-place builds in this tree (a copy would build every dependency
# again); the sources are restored after each mutant, and on Ctrl-C.
exec "$tool/bin/cargo-mutants" mutants --in-place --timeout "$timeout" "${extra[@]}" "${args[@]}" -- -- "${test_args[@]}"
