#!/usr/bin/env bash
# Installs ier-gate for action.yml: the release binary for this runner,
# verified against dist/SHA256SUMS of the action's own checkout, or a build
# from the action's source when that ref has no release.
#
# Inputs (environment, set by action.yml from `inputs.*` and the github
# context; never interpolated into this script):
#   IER_VERSION            input `version`: empty (choose from the action's
#                          ref), a release tag such as v1.2.0, or `source`
#   IER_ACTION_REF         github.action_ref (empty for `uses: ./`)
#   IER_ACTION_REPOSITORY  github.action_repository
#   IER_GATE_RELEASES_URL  optional mirror of .../releases/download (GHES
#                          without github.com access, tests)
# Standard: GITHUB_ACTION_PATH, RUNNER_TEMP, RUNNER_OS, RUNNER_ARCH,
# GITHUB_PATH, GITHUB_OUTPUT.
#
# Exit 3 (environment error, as the binary's) when it cannot install.
set -euo pipefail

die() {
  echo "::error title=ier-gate install::$*"
  exit 3
}

action_path=${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}
action_path=${action_path//\\//}
sums_file="$action_path/dist/SHA256SUMS"
temp=${RUNNER_TEMP:?RUNNER_TEMP is not set}
# Git Bash on Windows: work with /d/a/_temp paths, hand Windows paths out.
to_native() { printf '%s\n' "$1"; }
if [[ ${RUNNER_OS:-} == Windows ]] && command -v cygpath >/dev/null 2>&1; then
  temp=$(cygpath -u "$temp")
  to_native() { cygpath -w "$1"; }
fi
root="$temp/ier-gate"
bin_dir="$root/bin"

# github.action_ref / action_repository are documented as unreliable inside
# composite actions (actions/runner#2473); fall back to the checkout path,
# which for a remote action is .../_actions/OWNER/REPO/REF.
ref=${IER_ACTION_REF:-}
repo=${IER_ACTION_REPOSITORY:-}
if [[ -z $ref || -z $repo ]] && [[ $action_path == */_actions/*/*/* ]]; then
  rest=${action_path#*/_actions/}
  owner=${rest%%/*}
  rest=${rest#*/}
  repo="$owner/${rest%%/*}"
  ref=${rest#*/}
fi

# The release asset for this runner; empty when there is none.
asset=
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) asset=ier-gate-x86_64-unknown-linux-musl.tar.gz ;;
  Linux/ARM64) asset=ier-gate-aarch64-unknown-linux-musl.tar.gz ;;
  macOS/X64) asset=ier-gate-x86_64-apple-darwin.tar.gz ;;
  macOS/ARM64) asset=ier-gate-aarch64-apple-darwin.tar.gz ;;
  Windows/X64) asset=ier-gate-x86_64-pc-windows-msvc.zip ;;
esac

# The SHA-256 listed for TAG/ASSET, or nothing.
expected_sum() {
  [[ -f $sums_file ]] || return 0
  awk -v want="$1/$2" '
    /^[[:space:]]*(#|$)/ { next }
    { name = $2; sub(/^\*/, "", name) }
    name == want { print tolower($1); exit }
  ' "$sums_file"
}

# The highest plain release vX.Y.Z in the sums file that starts with PREFIX
# (a moving tag: v1 -> v1.*.*, v1.2 -> v1.2.*), or nothing.
latest_in_series() {
  [[ -f $sums_file ]] || return 0
  awk -v prefix="$1." '
    /^[[:space:]]*(#|$)/ { next }
    {
      name = $2; sub(/^\*/, "", name); tag = name; sub(/\/.*/, "", tag)
      if (index(tag, prefix) != 1 || tag !~ /^v[0-9]+\.[0-9]+\.[0-9]+$/) next
      split(substr(tag, 2), v, ".")
      key = sprintf("%09d%09d%09d", v[1], v[2], v[3])
      if (key > best) { best = key; found = tag }
    }
    END { if (found != "") print found }
  ' "$sums_file"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{ print tolower($1) }'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{ print tolower($1) }'
  else
    die "neither sha256sum nor shasum is available to verify the download"
  fi
}

# Which release to install: TAG, or `source`.
version=${IER_VERSION:-}
tag=
if [[ $version == source ]]; then
  tag=source
elif [[ -n $version ]]; then
  [[ -n $asset ]] || die "no prebuilt ier-gate for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}; leave version empty or set it to 'source' to build from source"
  [[ -n $(expected_sum "$version" "$asset") ]] ||
    die "dist/SHA256SUMS at this action's ref (${ref:-local}) lists no checksum for $version/$asset, so the download cannot be verified; use a ref of the action that lists it, or version: source"
  tag=$version
elif [[ -n $asset && -n $ref ]]; then
  if [[ -n $(expected_sum "$ref" "$asset") ]]; then
    tag=$ref
  elif [[ $ref =~ ^v[0-9]+(\.[0-9]+)?$ ]]; then
    tag=$(latest_in_series "$ref")
    if [[ -n $tag && -z $(expected_sum "$tag" "$asset") ]]; then tag=; fi
  fi
fi
if [[ -z $tag ]]; then
  tag=source
  echo "::notice title=ier-gate install::no release checksum for ref '${ref:-(local action)}' on ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}; building ier-gate from source"
fi

exe=ier-gate
if [[ ${RUNNER_OS:-} == Windows ]]; then exe=ier-gate.exe; fi

# Installed already in this job (the action used twice)?
if [[ -x $bin_dir/$exe && -f $root/installed && $(cat "$root/installed") == "$tag" ]]; then
  echo "ier-gate $tag is already installed in $bin_dir"
else
  rm -rf "$root"
  mkdir -p "$bin_dir"
  if [[ $tag == source ]]; then
    command -v cargo >/dev/null 2>&1 ||
      die "building ier-gate from source needs cargo (Rust) on the runner; install a toolchain first or use a released version of the action"
    cargo install --locked --path "$action_path" --root "$root"
  else
    expected=$(expected_sum "$tag" "$asset")
    [[ -n $repo ]] || die "cannot tell which repository the action comes from, so there is no release to download; set version: source"
    base=${IER_GATE_RELEASES_URL:-}
    proto=(--proto '=https' --tlsv1.2)
    if [[ -n $base ]]; then proto=(); else base="https://github.com/$repo/releases/download"; fi
    url="$base/$tag/$asset"
    download="$root/download"
    mkdir -p "$download"
    echo "Downloading $url"
    curl "${proto[@]}" --fail --silent --show-error --location \
      --retry 3 --retry-delay 2 --connect-timeout 20 \
      --output "$download/$asset" "$url" ||
      die "download of $url failed"
    actual=$(sha256_of "$download/$asset")
    if [[ $actual != "$expected" ]]; then
      die "checksum mismatch for $tag/$asset: expected $expected (dist/SHA256SUMS), got $actual; refusing to install it"
    fi
    echo "SHA-256 verified: $actual  $tag/$asset"
    case $asset in
      *.tar.gz) tar -xzf "$download/$asset" -C "$bin_dir" ;;
      *.zip)
        if command -v unzip >/dev/null 2>&1; then
          unzip -q -o "$download/$asset" -d "$bin_dir"
        else
          # shellcheck disable=SC2016 # PowerShell expands $env:..., not bash
          IER_ARCHIVE="$download/$asset" IER_DEST="$bin_dir" pwsh -NoProfile -NonInteractive -Command \
            'Expand-Archive -LiteralPath $env:IER_ARCHIVE -DestinationPath $env:IER_DEST -Force'
        fi
        ;;
    esac
    rm -rf "$download"
    [[ -f $bin_dir/$exe ]] || die "$asset does not contain $exe"
    chmod +x "$bin_dir/$exe"
  fi
  printf '%s\n' "$tag" >"$root/installed"
fi

"$bin_dir/$exe" --version
to_native "$bin_dir" >>"${GITHUB_PATH:?GITHUB_PATH is not set}"
{
  echo "bin=$(to_native "$bin_dir/$exe")"
  echo "version=$tag"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
