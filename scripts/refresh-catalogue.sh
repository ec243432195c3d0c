#!/usr/bin/env bash
# Regenerates the built-in catalogue (data/catalogue.yaml and its JSON twin)
# from pydantic genai-prices' data at a pinned version, through the same
# importer users run (`ier-gate prices update`), for the models the built-in
# catalogue lists.
#
#   scripts/refresh-catalogue.sh FILE|--version X.Y.Z [--write]
#
# FILE is a genai-prices v2 data.json you downloaded at a pinned commit
# (https://github.com/pydantic/genai-prices/blob/<commit>/prices/new_data/v2/data.json).
# --version X.Y.Z downloads that release's wheel with `pip download` instead
# and writes its bundled prices as v2 data.json (scripts/genai-prices-v2-json.py,
# which proves the text faithful through genai-prices' own loader).
#
# Without --write it writes target/catalogue-refresh/catalogue.yaml and shows
# `ier-gate prices diff builtin` against it: review every changed price (and
# README "Where the converted catalogue differs") before replacing anything.
# With --write it replaces data/catalogue.yaml and regenerates
# data/catalogue.json (UPDATE_CATALOGUE=1 cargo test --lib catalogue).
#
# The regenerated file carries genai-prices' prices only: the built-in's
# hand-written notes, per-model sources and lifecycle dates are not in
# genai-prices, so copy back what still holds before committing.
set -euo pipefail

cd "$(dirname "$0")/.."
src="" version="" write=false
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --write) write=true; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) src="$1"; shift ;;
  esac
done
if [ -z "$src" ] && [ -z "$version" ]; then
  echo "usage: $0 FILE|--version X.Y.Z [--write]" >&2
  exit 2
fi

out=target/catalogue-refresh
mkdir -p "$out"
if [ -n "$version" ]; then
  pip download "genai-prices==$version" --no-deps --quiet -d "$out/wheel"
  rm -rf "$out/unpacked"
  python3 -m zipfile -e "$out/wheel/genai_prices-$version-py3-none-any.whl" "$out/unpacked"
  src="$out/genai-prices-$version-data.json"
  python3 scripts/genai-prices-v2-json.py "$out/unpacked" > "$src"
fi

cargo build --quiet
bin=target/debug/ier-gate
# the built-in catalogue's ids (models and embeddings), each kept
models=()
while read -r id; do models+=(--model "$id"); done < <(sed -n 's/^  - id: //p' data/catalogue.yaml)

"$bin" prices update "$src" --output "$out/catalogue.yaml" "${models[@]}" \
  --source "genai-prices $(basename "$src")"
"$bin" prices diff builtin "$out/catalogue.yaml"

if $write; then
  cp "$out/catalogue.yaml" data/catalogue.yaml
  UPDATE_CATALOGUE=1 cargo test --quiet --lib catalogue
  echo "data/catalogue.yaml and data/catalogue.json regenerated; review git diff data/"
fi
