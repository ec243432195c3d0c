#!/usr/bin/env bash
# Renders the pull request comment the binary writes as GitHub shows it and
# saves a PNG: Markdown -> HTML with cmark-gfm (GitHub's own GFM renderer),
# GitHub-like CSS, Mermaid blocks drawn by mermaid.js, a screenshot by
# headless Chromium. Not part of CI.
#
#   scripts/screenshot-comment.sh [EXAMPLE] [OUT.png]
#   (default: examples/launch-fail -> docs/comment.png)
#
# Needs: cargo, cmark-gfm, chromium (Debian: apt-get install -y cmark-gfm
# chromium) and mermaid.js: $MERMAID_JS, or npm installs mermaid@11 once
# into ~/.cache/ier-gate-screenshot.
set -euo pipefail
cd "$(dirname "$0")/.."
example=${1:-launch-fail}
out=${2:-docs/comment.png}
height=${HEIGHT:-1850}

mermaid=${MERMAID_JS:-}
if [[ -z $mermaid ]]; then
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/ier-gate-screenshot
  mermaid=$cache/node_modules/mermaid/dist/mermaid.min.js
  if [[ ! -f $mermaid ]]; then
    mkdir -p "$cache"
    npm install --prefix "$cache" mermaid@11 --no-audit --no-fund >&2
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The comment exactly as the Action posts it (exit 1 is a failing gate).
cargo run --quiet -- check -C "examples/$example" --format markdown >"$tmp/comment.md" || [[ $? == 1 ]]

# GitHub turns ```mermaid fences into diagrams; cmark-gfm writes them as
# <pre lang="mermaid"> with --github-pre-lang, which the page converts.
body=$(cmark-gfm --unsafe --github-pre-lang -e table -e strikethrough -e autolink -e tagfilter "$tmp/comment.md")
cp "$mermaid" "$tmp/mermaid.min.js"
cat >"$tmp/page.html" <<HTML
<!doctype html>
<html><head><meta charset="utf-8">
<style>
  body { margin: 0; background: #fff; }
  .comment { box-sizing: border-box; width: 900px; margin: 16px; border: 1px solid #d0d7de;
    border-radius: 6px; padding: 16px 24px; color: #1f2328;
    font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
  h2 { font-size: 1.5em; border-bottom: 1px solid #d8dee4; padding-bottom: .3em; margin-top: 0; }
  h3 { font-size: 1.25em; margin: 24px 0 16px; }
  table { border-collapse: collapse; margin: 0 0 16px; display: block; overflow: auto; }
  th, td { border: 1px solid #d0d7de; padding: 6px 13px; }
  tr:nth-child(2n) { background: #f6f8fa; }
  th { font-weight: 600; }
  code { font: 85% ui-monospace, SFMono-Regular, Menlo, monospace; background: rgba(175,184,193,.2);
    padding: .2em .4em; border-radius: 6px; }
  sub { color: #59636e; }
  details { margin: 0 0 16px; } summary { cursor: pointer; font-weight: 600; }
  .mermaid { margin: 0 0 16px; }
</style>
<script src="mermaid.min.js"></script>
</head><body><div class="comment">
$body
</div>
<script>
  for (const pre of document.querySelectorAll('pre[lang="mermaid"]')) {
    const div = document.createElement('div');
    div.className = 'mermaid';
    div.textContent = pre.textContent;
    pre.replaceWith(div);
  }
  mermaid.initialize({ startOnLoad: false, theme: 'default' });
  mermaid.run();
</script>
</body></html>
HTML

chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=932,"$height" --virtual-time-budget=15000 \
  --screenshot="$tmp/shot.png" "file://$tmp/page.html" >/dev/null 2>&1
mkdir -p "$(dirname "$out")"
cp "$tmp/shot.png" "$out"
echo "wrote $out" >&2
