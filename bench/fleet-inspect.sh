#!/usr/bin/env bash
# Run hcops inspect over the simulated fleet of ../shared/bench/fleet, as
# `run-cmd.sh N [--faults] -- bench/fleet-inspect.sh [PLAYBOOK]` does it: the
# inventory comes from $FLEET_CSV, the key and known_hosts from $FLEET_KEY and
# $FLEET_KNOWN_HOSTS. Each host's collected output is written to
# $FLEET_OUT_DIR/<host>.txt (--evidence-dir), where the harness counts the
# INSPECT_END lines of the workload.
#
#   PLAYBOOK  workload (default): one command check running $FLEET_WORKLOAD
#             linux-daily: the built-in daily inspection
#
# Environment: HCOPS (binary, default hcops on PATH), HCOPS_FORKS (default 32,
# hcops' default), HCOPS_BENCH_OUTPUT (-o of the run: nagios, default, or json
# to measure the JSON writer; its stdout goes to a file), FLEET_CONNECT_TIMEOUT (default 10), HCOPS_BENCH_DB (history
# database kept across runs, as a daily cron job has it; default a fresh one
# per run, i.e. the first run ever).
set -euo pipefail

playbook=${1:-workload}
hcops=${HCOPS:-hcops}
forks=${HCOPS_FORKS:-32}
: "${FLEET_CSV:?run me through run-cmd.sh}" "${FLEET_OUT_DIR:?}" "${FLEET_KEY:?}" "${FLEET_KNOWN_HOSTS:?}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name,address,port,user,zone,group -> hcops inventory YAML.
awk -F, 'NR == 1 { next }
  { printf "  - {name: %s, kind: host, address: \"%s\", zone: %s, labels: {group: %s}, connection: {port: %s, user: %s}}\n", $1, $2, $5, $6, $3, $4 }
  BEGIN { print "assets:" }' "$FLEET_CSV" > "$work/inventory.yaml"

mkdir -p "$work/playbooks"
if [ "$playbook" = workload ]; then
  # The workload's text as the script of one command check (YAML block
  # scalar: every line indented).
  {
    printf 'name: workload\ndescription: the fleet harness workload as one command check\nchecks:\n'
    printf '  - name: workload\n    type: command\n    params:\n      script: |\n'
    sed 's/^/        /' "${FLEET_WORKLOAD:?}"
  } > "$work/playbooks/workload.yaml"
fi

exec "$hcops" inspect --inventory "$work/inventory.yaml" --db "${HCOPS_BENCH_DB:-$work/history.db}" \
  --playbooks-dir "$work/playbooks" --playbook "$playbook" \
  --identity "$FLEET_KEY" --known-hosts "$FLEET_KNOWN_HOSTS" \
  --forks "$forks" --connect-timeout "${FLEET_CONNECT_TIMEOUT:-10}s" \
  --evidence-dir "$FLEET_OUT_DIR" -o "${HCOPS_BENCH_OUTPUT:-nagios}"
