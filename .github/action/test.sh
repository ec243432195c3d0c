#!/usr/bin/env bash
# Tests install.sh and run.sh as action.yml calls them, without GitHub and
# without the network: a fake action checkout under .../_actions/OWNER/REPO/REF,
# releases served from file:// through IER_GATE_RELEASES_URL, a stub `cargo`
# for the from-source path and a stub `ier-gate` that writes a verdict.
# Run by .ci/run; prints one line per case.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
check() { # NAME EXPECTED_CODE ACTUAL_CODE [LOG]
  if [[ $2 == "$3" ]]; then
    passed=$((passed + 1))
    echo "ok   $1"
  else
    failed=$((failed + 1))
    echo "FAIL $1: expected exit $2, got $3"
    if [[ -n ${4:-} && -f $4 ]]; then sed 's/^/     | /' "$4"; fi
  fi
}
expect_in() { # NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then
    passed=$((passed + 1))
    echo "ok   $1"
  else
    failed=$((failed + 1))
    echo "FAIL $1: '$3' not in $2"
    sed 's/^/     | /' "$2"
  fi
}

# The stub binary: `--version`, and `github` writing FAKE_VERDICT in the
# heredoc form and exiting FAKE_CODE; it also records its arguments and the
# comment environment.
stub_bin() {
  cat <<'EOF'
#!/usr/bin/env bash
if [[ $1 == --version ]]; then echo "ier-gate 0.0.0-stub"; exit 0; fi
printf '%s\n' "$*" >"$STUB_LOG"
printf 'mode=%s key=%s token=%s\n' "${IER_GATE_COMMENT_MODE-unset}" "${IER_GATE_COMMENT_KEY-unset}" "${GITHUB_TOKEN-unset}" >>"$STUB_LOG"
if [[ -n ${FAKE_VERDICT:-} ]]; then
  printf 'verdict<<ghadelimiter_1\n%s\nghadelimiter_1\nzone=warning\n' "$FAKE_VERDICT" >>"$GITHUB_OUTPUT"
fi
exit "${FAKE_CODE:-0}"
EOF
}

# A release v1.2.0 and v1.10.0 (the higher one) of the Linux x86_64 asset.
asset=ier-gate-x86_64-unknown-linux-musl.tar.gz
mkdir -p "$work/pkg" "$work/releases/v1.2.0" "$work/releases/v1.10.0"
stub_bin >"$work/pkg/ier-gate"
chmod +x "$work/pkg/ier-gate"
tar -czf "$work/releases/v1.10.0/$asset" -C "$work/pkg" ier-gate
cp "$work/releases/v1.10.0/$asset" "$work/releases/v1.2.0/$asset"
sum=$(sha256sum "$work/releases/v1.10.0/$asset" | awk '{ print $1 }')

# A fake checkout of the action at REF with the given sums file content.
action_at() { # REF SUMS
  local dir="$work/_actions/acme/ier-gate/$1"
  rm -rf "$dir"
  mkdir -p "$dir/.github/action" "$dir/dist"
  cp "$here/install.sh" "$here/run.sh" "$dir/.github/action/"
  printf '%s' "$2" >"$dir/dist/SHA256SUMS"
  echo "$dir"
}

install() { # ACTION_PATH LOG [VAR=VALUE...]
  local path=$1 log=$2
  shift 2
  rm -rf "$work/temp"
  mkdir -p "$work/temp"
  : >"$work/github_path"
  : >"$work/github_output"
  env -i PATH="$work/stubs:$PATH" HOME="$work" STUB_SOURCE="$work/pkg/ier-gate" \
    GITHUB_ACTION_PATH="$path" RUNNER_TEMP="$work/temp" RUNNER_OS=Linux RUNNER_ARCH=X64 \
    GITHUB_PATH="$work/github_path" GITHUB_OUTPUT="$work/github_output" \
    IER_GATE_RELEASES_URL="file://$work/releases" "$@" \
    bash "$path/.github/action/install.sh" >"$log" 2>&1
}

# A stub cargo for the from-source path: `cargo install ... --root DIR`.
mkdir -p "$work/stubs"
cat >"$work/stubs/cargo" <<'EOF'
#!/usr/bin/env bash
root=
while [[ $# -gt 0 ]]; do
  if [[ $1 == --root ]]; then root=$2; fi
  shift
done
mkdir -p "$root/bin"
cp "$STUB_SOURCE" "$root/bin/ier-gate"
echo "stub cargo built from source"
EOF
chmod +x "$work/stubs/cargo"

sums="$sum  v1.2.0/$asset
$sum  v1.10.0/$asset
0000000000000000000000000000000000000000000000000000000000000000  v1.10.0/ier-gate-aarch64-apple-darwin.tar.gz
"

# --- install.sh ---------------------------------------------------------
log="$work/log"
code=0
install "$(action_at v1 "$sums")" "$log" || code=$?
check "install: @v1 takes the highest v1.x.y listed" 0 "$code" "$log"
expect_in "install: @v1 verified v1.10.0" "$log" "SHA-256 verified: $sum  v1.10.0/$asset"
expect_in "install: bin output" "$work/github_output" "bin=$work/temp/ier-gate/bin/ier-gate"
expect_in "install: GITHUB_PATH" "$work/github_path" "$work/temp/ier-gate/bin"

code=0
install "$(action_at v1.2.0 "$sums")" "$log" || code=$?
check "install: @v1.2.0 listed installs v1.2.0" 0 "$code" "$log"
expect_in "install: version output v1.2.0" "$work/github_output" "version=v1.2.0"

code=0
install "$(action_at main "$sums")" "$log" || code=$?
check "install: a branch builds from source" 0 "$code" "$log"
expect_in "install: from source, via cargo" "$log" "stub cargo built from source"

code=0
install "$(action_at 0123456789abcdef0123456789abcdef01234567 "$sums")" "$log" IER_VERSION=v1.2.0 || code=$?
check "install: SHA pin with version: v1.2.0" 0 "$code" "$log"
expect_in "install: version wins over the ref" "$work/github_output" "version=v1.2.0"

code=0
install "$(action_at v1 "$sums")" "$log" IER_VERSION=v9.9.9 || code=$?
check "install: a version without a listed checksum is refused" 3 "$code" "$log"
expect_in "install: says why" "$log" "lists no checksum for v9.9.9/$asset"

code=0
install "$(action_at v1 "${sums//$sum  v1.10.0/${sum/a/b}  v1.10.0}")" "$log" || code=$?
check "install: a checksum mismatch is refused" 3 "$code" "$log"
expect_in "install: says checksum mismatch" "$log" "checksum mismatch for v1.10.0/$asset"

code=0
install "$(action_at v1 "$sums")" "$log" RUNNER_ARCH=ARM || code=$?
check "install: no asset for the platform builds from source" 0 "$code" "$log"
expect_in "install: notice for the source build" "$log" "building ier-gate from source"

code=0
install "$(action_at v1 "$sums")" "$log" IER_ACTION_REF=v1 IER_ACTION_REPOSITORY=acme/ier-gate \
  IER_GATE_RELEASES_URL="file://$work/missing" || code=$?
check "install: a failed download is an error, not a silent fallback" 3 "$code" "$log"

# --- run.sh -------------------------------------------------------------
# CODE VERDICT FAIL_ON EXPECTED
cases="0 pass fail 0
0 warn fail 0
1 fail fail 1
0 pass warn 0
0 warn warn 1
1 fail warn 1
0 warn never 0
1 fail never 0
2 - fail 2
3 - never 3
0 - warn 3
0 pass bogus 2"
while read -r fcode fverdict fail_on want; do
  [[ $fverdict == - ]] && fverdict=
  : >"$work/github_output"
  code=0
  env -i PATH="$PATH" GITHUB_OUTPUT="$work/github_output" STUB_LOG="$work/stub.log" \
    IER_GATE_BIN="$work/pkg/ier-gate" IER_FAIL_ON="$fail_on" IER_WORKING_DIRECTORY=examples/acme \
    IER_REPORT_OUT= IER_GATE_COMMENT_MODE= IER_GATE_COMMENT_KEY=k1 GITHUB_TOKEN=t0ken \
    FAKE_CODE="$fcode" FAKE_VERDICT="$fverdict" \
    bash "$here/run.sh" >"$log" 2>&1 || code=$?
  check "run: exit $fcode verdict '${fverdict}' fail-on $fail_on" "$want" "$code" "$log"
done <<<"$cases"
expect_in "run: passes --dir" "$work/stub.log" "github --dir examples/acme"
expect_in "run: empty comment-mode is unset, key and token passed" "$work/stub.log" "mode=unset key=k1 token=t0ken"

echo "action scripts: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
