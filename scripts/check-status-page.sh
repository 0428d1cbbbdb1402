#!/usr/bin/env bash
# Checks the node's status page in a real headless browser (Debian's chromium): runs the demo with
# its status page, lets Chromium load the page (its scripts fetch /net_info and /network and
# render them), and checks the rendered DOM, with the page's own <script> text removed, against
# what the server reports: a table row for a peer whose id /net_info gives, and a circle for each
# node that /network lists. Then the same for a real node: two `p2p4j start` nodes, the page of
# the first must show its id and network, both nodes and the link between them. Leaves the DOMs
# in target/status-page.html and target/status-page-node.html and screenshots beside them.
# Installs chromium with apt-get when it is missing and we are root.
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
homes=$(mktemp -d)
nodes_started=()
trap 'kill $demo "${nodes_started[@]}" 2>/dev/null || true; rm -rf "$profile" "$homes"' EXIT

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
kill $demo 2>/dev/null || true

# a real node: A, and B with A as its persistent peer
node_port=${NODE_STATUS_PORT:-26662}
p2p_port=${NODE_P2P_PORT:-26681}
node_url="http://127.0.0.1:$node_port"
./p2p4j init --home "$homes/a" --chain-id page-check > /dev/null
./p2p4j init --home "$homes/b" --chain-id page-check > /dev/null
id_a=$(./p2p4j show-node-id --home "$homes/a")
id_b=$(./p2p4j show-node-id --home "$homes/b")
./p2p4j start --home "$homes/a" --p2p.laddr "tcp://127.0.0.1:$p2p_port" --status.laddr "127.0.0.1:$node_port" \
  --p2p.allow_duplicate_ip true --p2p.addr_book_strict false > target/status-node-a.log 2>&1 &
nodes_started+=($!)
./p2p4j start --home "$homes/b" --p2p.laddr tcp://127.0.0.1:0 --status.laddr "" --p2p.allow_duplicate_ip true \
  --p2p.addr_book_strict false --p2p.persistent_peers "$id_a@127.0.0.1:$p2p_port" > target/status-node-b.log 2>&1 &
nodes_started+=($!)
for _ in $(seq 1 120); do
  if curl -sf "$node_url/net_info" 2>/dev/null | grep -q '"n_peers" : "1"'; then
    break
  fi
  sleep 0.5
done
curl -sf "$node_url/net_info" | grep -q "$id_b" || fail "node A has not got B as a peer: $(tail -3 target/status-node-a.log)"
chrome --dump-dom "$node_url/" > target/status-page-node.html 2>/dev/null
chrome --screenshot=target/status-page-node.png "$node_url/" > /dev/null 2>&1
rendered=$(perl -0pe 's{<script\b.*?</script>}{}gs' target/status-page-node.html)
grep -q "data-node-id=\"$id_a\" data-network=\"page-check\"" <<< "$rendered" || fail "the node's id and network are not shown"
grep -q "<tr data-peer-id=\"$id_b\"" <<< "$rendered" || fail "peer $id_b is not in the table"
grep -q 'data-nodes-drawn="2"' <<< "$rendered" || fail "the drawing does not have the node and its peer"
grep -q 'data-links-drawn="1"' <<< "$rendered" || fail "the link between the node and its peer is not drawn"
for id in "$id_a" "$id_b"; do
  grep -q "<circle[^>]*data-node-id=\"$id\"" <<< "$rendered" || fail "node $id is not drawn"
done
echo "status page of a real node OK: its id and network, its peer in the table, both nodes and their link drawn; screenshot in target/status-page-node.png"
