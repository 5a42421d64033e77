#!/usr/bin/env bash
# Installs, from Debian packages, what the tests need on a fresh Debian
# machine: OpenSSH (real sshd on loopback), Chromium and CJK fonts (report
# rendering), PostgreSQL and MariaDB servers (backup drills, db checks),
# restic, the archivers archive drills are tested with (xz, bzip2, zip,
# zstd), tmux (the dashboard's smoke test drives the real binary in it) and
# nftables (the ping test makes a lossy path in a network namespace), and
# Net-SNMP's snmpd (the SNMP checks read a real agent on loopback), and
# util-linux's unshare and mount (the MLPS baseline test swaps /etc by bind
# mounts in a private mount namespace; it runs a real rsyslogd), and redis-server, nginx,
# rabbitmq-server and tomcat10 with its manager (the middleware checks ask
# real servers on loopback), and
# Node.js (the Windows collectors are parsed with a PowerShell grammar), and
# Prometheus (the Grafana dashboard's queries run on a real server).
# Idempotent: apt runs only when something is missing.
set -euo pipefail
declare -A pkg_for=(
  [/usr/sbin/sshd]=openssh-server
  [/usr/bin/ssh]=openssh-client
  [/usr/bin/ssh-agent]=openssh-client
  [/usr/bin/ssh-keygen]=openssh-client
  [/usr/bin/sudo]=sudo
  [/usr/bin/file]=file
  [/usr/bin/chromium]=chromium
  [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]=fonts-noto-cjk
  [/usr/lib/nagios/plugins/check_dummy]=monitoring-plugins-basic
  [/usr/bin/busybox]=busybox
  [/usr/bin/systemd-analyze]=systemd
  [/usr/lib/postgresql/15/bin/initdb]=postgresql
  [/usr/lib/postgresql/15/bin/pg_dump]=postgresql-client
  [/usr/sbin/mariadbd]=mariadb-server
  [/usr/bin/mariadb]=mariadb-client
  [/usr/bin/mariadb-dump]=mariadb-client
  [/usr/bin/restic]=restic
  [/usr/bin/zstd]=zstd
  [/usr/bin/xz]=xz-utils
  [/usr/bin/bzip2]=bzip2
  [/usr/bin/zip]=zip
  [/usr/bin/tmux]=tmux
  [/usr/sbin/nft]=nftables
  [/usr/sbin/snmpd]=snmpd
  [/usr/bin/snmpget]=snmp
  [/usr/bin/unshare]=util-linux
  [/usr/bin/mount]=mount
  [/usr/sbin/rsyslogd]=rsyslog
  [/usr/bin/redis-server]=redis-server
  [/usr/sbin/nginx]=nginx-light
  [/usr/lib/rabbitmq/bin/rabbitmq-server]=rabbitmq-server
  [/usr/share/tomcat10/bin/catalina.sh]=tomcat10
  [/usr/share/tomcat10-admin/manager/WEB-INF/web.xml]=tomcat10-admin
  [/usr/bin/iconv]=libc-bin
  [/usr/bin/node]=nodejs
  [/usr/bin/prometheus]=prometheus
)
need=()
for f in "${!pkg_for[@]}"; do
  [ -e "$f" ] || need+=("${pkg_for[$f]}")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  echo "installing: $(printf '%s\n' "${need[@]}" | sort -u | tr '\n' ' ')" >&2
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u) >/dev/null
fi
# The tree-sitter PowerShell grammar, from the npm registry: there is no
# PowerShell here, and the Windows collectors are checked for syntax with it.
psparse=/usr/local/lib/hcops-test/psparse
if [ ! -f "$psparse/node_modules/tree-sitter-powershell/tree-sitter-powershell.wasm" ]; then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  # Debian's nodejs comes without npm; NodeSource's has it built in.
  command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
  $SUDO mkdir -p "$psparse"
  $SUDO npm install --prefix "$psparse" --no-audit --no-fund --ignore-scripts --no-save \
    web-tree-sitter@0.27.2 tree-sitter-powershell@0.26.4 >/dev/null
fi
# sshd's privilege separation directory (normally made by its service unit).
[ -d /run/sshd ] || { SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo; $SUDO mkdir -p /run/sshd; $SUDO chmod 0755 /run/sshd; }
echo "test dependencies present"
