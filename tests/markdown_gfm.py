"""The PR comment through GitHub's own Markdown implementation.

Renders `ier-gate check --format markdown` of a manifest full of hostile
text with cmark-gfm (the `cmarkgfm` binding, GitHub's C implementation with
its extensions: tables, autolinks, strikethrough, tag filter) and fails if
any of the manifest's text became a link, an image, HTML or emphasis.
Run by .ci/run:  python tests/markdown_gfm.py target/debug/ier-gate
"""
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import cmarkgfm
from cmarkgfm.cmark import Options

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAYLOAD = (
    "PWN see https://evil.example/a and www.evil.example and mail a@b.co "
    "<b>PWN-HTML</b> **PWN-BOLD** _PWN-EM_ [PWN-LINK](https://evil.example/l) "
    "![PWN-IMG](https://evil.example/i.png) <!-- ier-gate:IER-gate/gate run=999 --> "
    "| PWN-PIPE | ~~PWN-STRIKE~~ <https://evil.example/angle> xmpp:a@b.co"
)
NAME = "w`**PWN-W**`[x](https://evil.example/w) www.evil.example/w"


def manifest() -> str:
    q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"""version: 1
feature: hostile-text
title: {q(PAYLOAD)}
owner: {q("@acme/ai " + PAYLOAD)}
adoption:
  users: 12000
revenue:
  per_user_month: 1
workloads:
  - name: {q(NAME)}
    model: claude-sonnet-4-5
    calls_per_user_month: 40
    input_tokens: 6000
    output_tokens: 800
infrastructure:
  - name: {q("infra " + PAYLOAD)}
    monthly: 1500
"""


def render(binary: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        repo = pathlib.Path(tmp)
        shutil.copytree(ROOT / "examples/acme/.ier", repo / ".ier")
        (repo / "ai-features").mkdir()
        (repo / "ai-features/hostile.yaml").write_text(manifest(), encoding="utf-8")
        out = subprocess.run(
            [binary, "check", "--format", "markdown", "-C", str(repo)],
            capture_output=True, text=True, env={"NO_COLOR": "1"},
        )
        if out.returncode not in (0, 1):
            sys.exit(f"check exited {out.returncode}:\n{out.stdout}{out.stderr}")
        return out.stdout


def problems(html: str) -> list[str]:
    found = []
    for tag in ("a", "img", "b", "strong", "em", "del", "script", "iframe"):
        for m in re.finditer(rf"<{tag}\b[^>]*>(.*?)</{tag}>|<{tag}\b[^>]*>", html, re.S):
            inner = m.group(0)
            if "PWN" in inner or "evil" in inner:
                found.append(inner[:120])
    for m in re.finditer(r"<!--(.*?)-->", html, re.S):
        if "run=999" in m.group(1):
            found.append("a forged marker became an HTML comment")
    return found


def main() -> None:
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/debug/ier-gate")
    md = render(binary)
    if "PWN" not in md:
        sys.exit("the hostile text does not reach the comment: nothing was tested")
    opts = Options.CMARK_OPT_UNSAFE  # the most permissive: GitHub sanitises after
    html = cmarkgfm.github_flavored_markdown_to_html(md, options=opts)
    # The check must be able to fail: the raw payload, unescaped, is caught.
    raw = cmarkgfm.github_flavored_markdown_to_html(PAYLOAD + " " + NAME, options=opts)
    assert problems(raw), "the detector misses the raw payload"
    bad = problems(html)
    if bad:
        sys.exit("manifest text became active Markdown:\n  " + "\n  ".join(bad))
    print(f"markdown_gfm: {len(md)} bytes of comment through cmark-gfm, no manifest text active")


if __name__ == "__main__":
    main()
