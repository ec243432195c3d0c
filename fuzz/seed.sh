#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the repository's own YAML: the examples,
# the CLI test fixtures (tests/cmd/*.in), the built-in catalogue, the
# hand-made seeds in fuzz/seeds/ and the kept regression inputs. The corpora
# are generated (and git-ignored); libFuzzer adds what it finds beside them.
#
# The `evaluate` target reads one input of NUL-separated files:
#   policy \0 baseline \0 prices \0 head manifest [\0 base manifest \0 more...]
# (fuzz/src/lib.rs), so each example directory gives one seed per manifest.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus
mkdir -p "$corpus"/{manifest,baseline,policy,prices,evaluate}

n=0
seed() { # seed TARGET FILE: content-addressed, so re-seeding adds nothing
  local sum
  sum=$(sha1sum "$2" | cut -c1-40)
  cp "$2" "$corpus/$1/seed-$sum"
  n=$((n + 1))
}

while IFS= read -r -d '' f; do
  case $f in
    */.ier/policy.yaml) seed policy "$f" ;;
    */.ier/baseline.yaml) seed baseline "$f" ;;
    */.ier/prices.yaml) seed prices "$f" ;;
    */ai-features/*) seed manifest "$f" ;;
  esac
done < <(find examples tests/cmd -name '*.yaml' -print0 | sort -z)
seed prices data/catalogue.yaml

# evaluate: every example or fixture directory with a policy and a baseline.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
while IFS= read -r -d '' policy; do
  dir=${policy%/.ier/policy.yaml}
  [[ -f $dir/.ier/baseline.yaml ]] || continue
  while IFS= read -r -d '' m; do
    {
      cat "$policy"; printf '\0'
      cat "$dir/.ier/baseline.yaml"; printf '\0'
      [[ -f $dir/.ier/prices.yaml ]] && cat "$dir/.ier/prices.yaml"
      printf '\0'
      cat "$m"
    } >"$tmp"
    seed evaluate "$tmp"
    # The same manifest as a modification of itself (head and base).
    { cat "$tmp"; printf '\0'; cat "$m"; } >"$tmp.mod"
    seed evaluate "$tmp.mod"
    rm -f "$tmp.mod"
  done < <(find "$dir" -path '*/ai-features/*.yaml' -print0 | sort -z)
done < <(find examples tests/cmd -path '*/.ier/policy.yaml' -print0 | sort -z)

# Hand-made inputs at a decimal's limits (fuzz/seeds/), and the inputs that
# once crashed a target, stay in its corpus.
for d in fuzz/seeds/*/ tests/fuzz_regressions/*/; do
  [[ -d $d ]] || continue
  t=$(basename "$d")
  for f in "$d"*; do
    [[ -f $f ]] && seed "$t" "$f"
  done
done
# actuals: the first byte picks the log format (0 litellm, 1 langfuse,
# 2 helicone, 3 otel, 4 bedrock), then lines of the generated fixtures.
mkdir -p "$corpus/actuals"
i=0
for f in litellm langfuse helicone otel; do
  { printf "\\x0$i"; head -3 "tests/fixtures/actuals/logs/$f.jsonl"; } >"$corpus/actuals/seed-$f"
  i=$((i + 1)) n=$((n + 1))
done
bedrock=$(gzip -dc tests/fixtures/actuals/logs/bedrock.jsonl.gz | head -3 || true)
printf '\x04%s\n' "$bedrock" >"$corpus/actuals/seed-bedrock"
n=$((n + 1))
echo "fuzz/seed.sh: $n seeds in $corpus/"
