#!/usr/bin/env bash
# Two runners of two network zones sharing one PostgreSQL history, on this
# machine (README "Several runners, one history"). Nothing but Debian's
# postgresql package and bin/hcops (make build):
#
#   scripts/runners.sh start      # a PostgreSQL server on 127.0.0.1, database hcops
#   scripts/runners.sh inspect    # both runners inspect their zone, at the same time
#   scripts/runners.sh stop-db    # the database goes away ...
#   scripts/runners.sh inspect    # ... the runners keep working: their runs are spooled
#   scripts/runners.sh start-db   # back
#   scripts/runners.sh report     # each runner delivers its spool; one daily report of both zones
#   scripts/runners.sh env NAME   # the settings of runner NAME (private or dmz), for eval
#   scripts/runners.sh stop       # stop the server; everything stays in $HCOPS_RUNNERS
#
# Everything lives in $HCOPS_RUNNERS (default ./runners-out): the server's
# data, each runner's state directory (spool, vault), the reports.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${HCOPS_RUNNERS:-runners-out}
case $out in /*) ;; *) out=$root/$out ;; esac
port=${HCOPS_RUNNERS_PORT:-55432}
hcops=$root/bin/hcops
inv=$root/examples/runners/site.yaml
pw=hcops-demo-only

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
    echo "runners: PostgreSQL is not installed (apt-get install postgresql)" >&2
    exit 1
  fi
  echo "$d"
}

# as_pg runs a PostgreSQL tool as the postgres user when we are root
# (the server refuses to run as root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

runner_env() { # name
  local name=$1 zone
  case $name in
    private) zone=卫生专网 ;;
    dmz) zone=互联网区 ;;
    *) echo "runners: no runner $name (private or dmz)" >&2; exit 2 ;;
  esac
  cat <<EOF
export HCOPS_DB='postgres://hcops@127.0.0.1:$port/hcops?sslmode=disable'
export HCOPS_DB_PASSWORD=env:HCOPS_DEMO_PGPW HCOPS_DEMO_PGPW=$pw
export HCOPS_RUNNER=runner-$name HCOPS_ZONE=$zone
export HCOPS_INVENTORY=$inv
export XDG_DATA_HOME=$out/runner-$name
EOF
}

as_runner() { # name args...
  local name=$1
  shift
  (eval "$(runner_env "$name")" && "$hcops" "$@")
}

case ${1:-} in
start)
  [ -x "$hcops" ] || { echo "runners: build first: make build" >&2; exit 1; }
  bin=$(bindir)
  mkdir -p "$out"
  if [ ! -d "$out/pg/data" ]; then
    mkdir -p "$out/pg"
    [ "$(id -u)" = 0 ] && chown postgres: "$out/pg"
    printf '%s\n' "$pw" >"$out/pg/pw"
    [ "$(id -u)" = 0 ] && chown postgres: "$out/pg/pw"
    as_pg "$bin/initdb" -D "$out/pg/data" -U postgres -E UTF8 --auth-local=trust --auth-host=scram-sha-256 \
      --pwfile="$out/pg/pw" >/dev/null
    printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\n" "$port" "$out/pg" \
      >>"$out/pg/data/postgresql.conf"
  fi
  as_pg "$bin/pg_ctl" -D "$out/pg/data" -l "$out/pg/log" -w start >/dev/null
  as_pg "$bin/psql" -h "$out/pg" -p "$port" -U postgres -qAtc "SELECT 1 FROM pg_roles WHERE rolname = 'hcops'" | grep -q 1 ||
    as_pg "$bin/psql" -h "$out/pg" -p "$port" -U postgres -qc "CREATE ROLE hcops LOGIN PASSWORD '$pw'"
  as_pg "$bin/psql" -h "$out/pg" -p "$port" -U postgres -qAtc "SELECT 1 FROM pg_database WHERE datname = 'hcops'" | grep -q 1 ||
    as_pg "$bin/createdb" -h "$out/pg" -p "$port" -U postgres -O hcops hcops
  echo "PostgreSQL on 127.0.0.1:$port, database hcops (data in $out/pg)"
  ;;
inspect)
  # Two processes at once, as two machines in two zones would.
  as_runner private inspect >"$out/private.txt" 2>&1 &
  p1=$!
  as_runner dmz inspect >"$out/dmz.txt" 2>&1 &
  p2=$!
  wait $p1 || true
  wait $p2 || true
  for r in private dmz; do
    echo "== runner-$r"
    tail -n 3 "$out/$r.txt"
  done
  ;;
stop-db)
  as_pg "$(bindir)/pg_ctl" -D "$out/pg/data" -m fast -w stop >/dev/null
  echo "PostgreSQL stopped"
  ;;
start-db)
  as_pg "$(bindir)/pg_ctl" -D "$out/pg/data" -l "$out/pg/log" -w start >/dev/null
  echo "PostgreSQL started"
  ;;
report)
  for r in private dmz; do
    echo "== runner-$r"
    as_runner "$r" history list | head -n 6
  done
  as_runner private report daily --format html --out "$out/daily.html" && echo "daily report: $out/daily.html"
  as_runner private report daily --format md --out "$out/daily.md" && echo "daily report: $out/daily.md"
  ;;
env)
  runner_env "${2:-private}"
  ;;
stop)
  as_pg "$(bindir)/pg_ctl" -D "$out/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  echo "stopped (data kept in $out)"
  ;;
*)
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
