#!/usr/bin/env bash
# Runs `ier-gate github` for action.yml and turns its exit code and verdict
# into the step's result according to the `fail-on` input.
#
# Inputs (environment, set by action.yml from `inputs.*`; never interpolated
# into this script):
#   IER_GATE_BIN           the binary installed by install.sh
#   IER_FAIL_ON            fail | warn | never
#   IER_WORKING_DIRECTORY  the directory in the repository holding .ier/
#   IER_REPORT_OUT         optional file for the JSON report
#   GITHUB_TOKEN, IER_GATE_COMMENT_MODE, IER_GATE_COMMENT_KEY,
#   IER_GATE_FAIL_ON_COMMENT_ERROR: read by the binary itself; empty means
#   "not given".
#
# The binary writes the step outputs (verdict, ier-current, ier-projected,
# zone, comment-url) to $GITHUB_OUTPUT, the job summary and the annotations.
# Exit codes: the binary's 2 (invalid input), 3 (environment error) and any
# other failure pass through; 0 and 1 are mapped by fail-on:
#
#   verdict   binary   fail-on: fail   warn   never
#   pass      0                 0      0      0
#   warn      0                 0      1      0
#   fail      1                 1      1      0
set -uo pipefail

bin=${IER_GATE_BIN:?IER_GATE_BIN is not set}
if [[ ${RUNNER_OS:-} == Windows ]] && command -v cygpath >/dev/null 2>&1; then
  bin=$(cygpath -u "$bin")
fi

fail_on=${IER_FAIL_ON:-fail}
case $fail_on in
  fail | warn | never) ;;
  *)
    echo "::error title=ier-gate::input fail-on must be fail, warn or never, not '$fail_on'"
    exit 2
    ;;
esac

# Empty inputs mean "not given": let the binary fall back to the policy.
for name in GITHUB_TOKEN IER_GATE_COMMENT_MODE IER_GATE_COMMENT_KEY; do
  if [[ -z ${!name:-} ]]; then unset "$name"; fi
done

args=(github --dir "${IER_WORKING_DIRECTORY:-.}")
if [[ -n ${IER_REPORT_OUT:-} ]]; then args+=(--report-out "$IER_REPORT_OUT"); fi

"$bin" "${args[@]}"
code=$?

# The value of output NAME written to $GITHUB_OUTPUT in this step (the last
# one wins, as for the runner), in either the `name=value` or the
# `name<<DELIMITER` form.
step_output() {
  [[ -n ${GITHUB_OUTPUT:-} && -f $GITHUB_OUTPUT ]] || return 0
  awk -v name="$1" '
    { sub(/\r$/, "") }
    delim != "" {
      if ($0 == delim) { delim = ""; if (take) value = block; next }
      if (take) block = (first ? "" : block "\n") $0
      first = 0
      next
    }
    {
      eq = index($0, "="); hd = index($0, "<<")
      if (eq > 0 && (hd == 0 || eq < hd)) {
        if (substr($0, 1, eq - 1) == name) value = substr($0, eq + 1)
      } else if (hd > 0) {
        delim = substr($0, hd + 2); take = (substr($0, 1, hd - 1) == name)
        block = ""; first = 1
      }
    }
    END { print value }
  ' "$GITHUB_OUTPUT"
}

verdict=$(step_output verdict)

case $code in
  0)
    if [[ $fail_on == warn ]]; then
      case $verdict in
        pass) ;;
        warn)
          echo "::error title=ier-gate::verdict warn, and fail-on is warn"
          exit 1
          ;;
        *)
          echo "::error title=ier-gate::ier-gate exited 0 but wrote no verdict output (got '${verdict}'); cannot apply fail-on: warn"
          exit 3
          ;;
      esac
    fi
    exit 0
    ;;
  1)
    if [[ $fail_on == never ]]; then
      echo "::warning title=ier-gate::verdict fail; the step passes because fail-on is never"
      exit 0
    fi
    exit 1
    ;;
  *)
    exit "$code"
    ;;
esac
