#!/usr/bin/env bash
# The main job on the embedded default: inspect this machine with the
# built-in local-default playbook (no inventory needed), keep the run in a
# history database, and write the daily inspection report (HTML).
#
#   make demo                      # builds bin/hcops first
#   HCOPS_DEMO_OUT=/tmp/x make demo
#   HCOPS_LANG=zh make demo        # the report in Chinese
set -uo pipefail
cd "$(dirname "$0")/.."
out=${HCOPS_DEMO_OUT:-demo-out}
mkdir -p "$out"
case $out in /*) ;; *) out=$PWD/$out ;; esac
export HCOPS_DB=${HCOPS_DB:-$out/history.db}
unset HCOPS_INVENTORY

echo "== hcops inspect (this machine, playbook local-default)" >&2
./bin/hcops inspect
rc=$?
# 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN (some check could not decide, e.g. no
# systemd in a container): findings, the report tells which. 130 is Ctrl-C.
# If hcops failed before storing a run, the report step says so itself.
if [ "$rc" -ge 4 ]; then
  echo "demo: hcops inspect exited $rc" >&2
  exit "$rc"
fi

lang=${HCOPS_LANG:-en}
report="$out/daily-report-$(date +%F).html"
echo "== hcops report daily" >&2
./bin/hcops report daily --lang "$lang" --format html --out "$report" || exit $?
echo "inspection exit status: $rc (0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN); report: $report" >&2
