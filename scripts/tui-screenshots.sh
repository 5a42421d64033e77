#!/usr/bin/env bash
# The README's dashboard screenshots, from the real program: runs the
# walkthrough test (the built dashboard in tmux against a live watcher,
# cmd/hcops TestTUIWalkthrough), keeps each screen with its colours, and
# renders them to PNG with aha (ANSI to HTML) and headless Chromium.
#
#   scripts/tui-screenshots.sh            # writes docs/img/walk-*.png
#
# Needs tmux, aha, chromium and fonts-noto-cjk (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
for c in tmux aha chromium; do
  command -v "$c" >/dev/null || { echo "tui-screenshots: $c is not installed (apt-get install $c)" >&2; exit 1; }
done
shots=$(mktemp -d)
trap 'rm -rf "$shots"' EXIT
HCOPS_TUI_SHOTS=$shots go test ./cmd/hcops -run 'TUIWalkthrough' -count=1 >/dev/null
mkdir -p docs/img
for f in "$shots"/walk-*.ansi; do
  name=$(basename "$f" .ansi)
  html=$shots/$name.html
  {
    echo '<!doctype html><meta charset="utf-8"><style>'
    echo 'body{margin:0;background:#1e1e1e}pre{margin:0;padding:12px 14px;color:#d4d4d4;background:#1e1e1e;'
    echo 'font:15px/1.1 "DejaVu Sans Mono","Noto Sans Mono CJK SC",monospace}</style><pre>'
    aha --no-header --black <"$f"
    echo '</pre>'
  } >"$html"
  lines=$(wc -l <"$f")
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$shots/chrome" --hide-scrollbars \
    --window-size=$(( $(head -1 "$f" | sed "s/\x1b\[[0-9;]*m//g" | wc -m) * 9 + 40 )),$((lines * 18 + 28)) --screenshot="docs/img/$name.png" "file://$html" >/dev/null 2>&1
  echo "docs/img/$name.png"
done
