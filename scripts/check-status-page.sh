#!/usr/bin/env bash
# Checks the node's status page in a real headless browser (Debian's chromium): runs the demo with
# its status page, lets Chromium load the page (its scripts fetch /net_info and /network and
# render them), and checks the rendered DOM, with the page's own <script> text removed, against
# what the server reports: a table row for a peer whose id /net_info gives, and a circle for each
# node that /network lists. Leaves the DOM in target/status-page.html and a screenshot in
# target/status-page.png. Installs chromium with apt-get when it is missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
fail() { echo "check-status-page: $*" >&2; exit 1; }
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    fail "chromium is not installed"
  fi
fi
nodes=6
port=${STATUS_PORT:-26661}
url="http://127.0.0.1:$port"
./p2p4j demo --nodes "$nodes" --seconds 40 --status "127.0.0.1:$port" > target/status-demo.log 2>&1 &
demo=$!
profile=$(mktemp -d)
trap 'kill $demo 2>/dev/null || true; rm -rf "$profile"' EXIT

# wait (at most 60 s) until the node the page describes has peers
for _ in $(seq 1 120); do
  if curl -sf "$url/net_info" 2>/dev/null | grep -q '"n_peers" : "[1-9]'; then
    break
  fi
  kill -0 $demo 2>/dev/null || fail "the demo ended early: $(tail -3 target/status-demo.log)"
  sleep 0.5
done
peers=$(curl -sf "$url/net_info" | grep -o '"id" : "[0-9a-f]\{40\}"' | grep -o '[0-9a-f]\{40\}' || true)
network=$(curl -sf "$url/network" | grep -o '"id":"[0-9a-f]\{40\}"' | grep -o '[0-9a-f]\{40\}' || true)
[ -n "$peers" ] || fail "/net_info lists no peers"
[ "$(echo "$network" | wc -l)" = "$nodes" ] || fail "/network lists $(echo "$network" | wc -w) nodes, not $nodes"

chrome() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --virtual-time-budget=4000 --window-size=900,1100 "$@"
}
chrome --dump-dom "$url/" > target/status-page.html 2>/dev/null
chrome --screenshot=target/status-page.png "$url/" > /dev/null 2>&1

# only what the scripts rendered: the page's source without its <script> blocks
rendered=$(perl -0pe 's{<script\b.*?</script>}{}gs' target/status-page.html)
grep -q "<title>p2p4j status</title>" <<< "$rendered" || fail "not the status page"
grep -q 'data-peers-rendered="[1-9]' <<< "$rendered" || fail "no peers rendered"
# peers come and go, so one that /net_info gave a moment ago is enough
shown=0
for id in $peers; do
  if grep -q "<tr data-peer-id=\"$id\"" <<< "$rendered"; then shown=$((shown + 1)); fi
done
[ "$shown" -gt 0 ] || fail "none of the peers $(echo $peers | tr ' ' ,) is in the table"
grep -q "data-nodes-drawn=\"$nodes\"" <<< "$rendered" || fail "the drawing does not say $nodes nodes"
for id in $network; do
  grep -q "<circle[^>]*data-node-id=\"$id\"" <<< "$rendered" || fail "node $id is not drawn"
done
grep -q 'data-links-drawn="[1-9]' <<< "$rendered" || fail "no connections drawn"
test -s target/status-page.png || fail "no screenshot"
echo "status page OK: $shown of the node's peers in the table, $nodes nodes drawn; screenshot in target/status-page.png"
