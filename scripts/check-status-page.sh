#!/usr/bin/env bash
# Checks the node's status page in a real headless browser (Debian's chromium): runs the demo with
# its status page, lets Chromium load the page (its scripts fetch /net_info and /network), checks
# that the rendered page lists peers and draws the network, and leaves a screenshot in
# target/status-page.png. Installs chromium with apt-get when it is missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "check-status-page: chromium is not installed" >&2
    exit 1
  fi
fi
port=${STATUS_PORT:-26661}
./p2p4j demo --nodes 6 --seconds 40 --status "127.0.0.1:$port" > target/status-demo.log 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null || true' EXIT

# wait (at most 60 s) until the network has formed and the seed reports peers
for _ in $(seq 1 120); do
  if curl -sf "http://127.0.0.1:$port/net_info" 2>/dev/null | grep -q '"n_peers" : "[1-9]'; then
    break
  fi
  sleep 0.5
done

chrome() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d)" --virtual-time-budget=4000 --window-size=900,1100 "$@"
}
chrome --dump-dom "http://127.0.0.1:$port/" > target/status-page.html 2>/dev/null
chrome --screenshot=target/status-page.png "http://127.0.0.1:$port/" > /dev/null 2>&1

grep -q "<title>p2p4j status</title>" target/status-page.html
grep -q "outbound" target/status-page.html || { echo "check-status-page: no peers on the page" >&2; exit 1; }
grep -q "<circle" target/status-page.html || { echo "check-status-page: no network drawing" >&2; exit 1; }
test -s target/status-page.png
echo "status page OK: peers listed, network drawn; screenshot in target/status-page.png"
