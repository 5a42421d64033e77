#!/usr/bin/env bash
# The dashboard walkthrough (README "Dashboard: a walkthrough"): the example
# site in miniature on this machine, with a live watcher.
#
#   scripts/walkthrough.sh start   # PACS's front end up, HIS's down, watcher running
#   eval "$(scripts/walkthrough.sh env)"; hcops tui --playbook http-endpoints
#   scripts/walkthrough.sh fix     # HIS's front end comes back
#   scripts/walkthrough.sh stop    # everything started here stops
#
# Everything lives in $HCOPS_WALK (default ./walkthrough-out): the history,
# the watcher's log, the web roots. The front ends are python3's http.server
# (or busybox httpd) on 127.0.0.1:18080 (HIS) and :18081 (PACS).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${HCOPS_WALK:-walkthrough-out}
mkdir -p "$out"
case $out in /*) ;; *) out=$root/$out ;; esac
hcops=$root/bin/hcops
inv=$root/examples/walkthrough/site
cfg=$root/examples/walkthrough/config.yaml

serve() { # name port
  local name=$1 port=$2
  mkdir -p "$out/www-$name"
  echo "$name ok" >"$out/www-$name/index.html"
  if command -v python3 >/dev/null; then
    (cd "$out/www-$name" && exec python3 -m http.server --bind 127.0.0.1 "$port") >"$out/www-$name.log" 2>&1 &
  elif command -v busybox >/dev/null; then
    busybox httpd -f -p "127.0.0.1:$port" -h "$out/www-$name" >"$out/www-$name.log" 2>&1 &
  else
    echo "walkthrough: neither python3 nor busybox is installed to serve $name's front end" >&2
    exit 1
  fi
  echo $! >"$out/www-$name.pid"
  # Up before anyone looks: the watcher's first round must not see it down.
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "walkthrough: $name's front end did not start on 127.0.0.1:$port (see $out/www-$name.log)" >&2
  exit 1
}

stop_pid() { # file
  [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null || true
  rm -f "$1"
}

env_lines() {
  echo "export HCOPS_INVENTORY=$inv HCOPS_CONFIG=$cfg HCOPS_DB=$out/history.db"
}

case ${1:-} in
start)
  [ -x "$hcops" ] || make build >/dev/null
  "$0" stop >/dev/null 2>&1 || true
  serve pacs 18081
  eval "$(env_lines)"
  # The watcher probes every 5 s here (1 min by default) so the walkthrough
  # moves at a reader's pace: HIS's front end is down, its alert fires and
  # opens an urgent ticket within one round.
  "$hcops" watch --probe-every 5s --no-jobs >"$out/watch.log" 2>&1 &
  echo $! >"$out/watch.pid"
  sleep 1
  "$hcops" inspect --playbook http-endpoints -q || true
  echo "walkthrough running (history $out/history.db, watcher log $out/watch.log). Now:"
  echo "  eval \"\$($0 env)\"; $hcops tui --playbook http-endpoints"
  ;;
fix)
  serve his 18080
  echo "HIS's front end answers again on 127.0.0.1:18080; press i in the dashboard to re-inspect"
  ;;
env)
  env_lines
  ;;
stop)
  stop_pid "$out/watch.pid"
  stop_pid "$out/www-his.pid"
  stop_pid "$out/www-pacs.pid"
  echo "walkthrough stopped; $out keeps the history"
  ;;
*)
  echo "usage: $0 start|env|fix|stop" >&2
  exit 2
  ;;
esac
