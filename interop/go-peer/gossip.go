package main

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/p2p/conn"
	gogotypes "github.com/cosmos/gogoproto/types"
)

// The testnet's gossip channel (p2p4j testnet): every node floods a message it has not seen to
// all its peers but the sender, once, and prints when it first saw it. p2p4j's testnet node
// speaks the same channel, so both kinds take part in the same gossip.
const gossipChannel = byte(0x72)

var (
	testnetGossipFlag   = flag.Bool("testnet-gossip", false, "join the testnet gossip on channel 0x72 and print TN lines")
	externalAddressFlag = flag.String("external-address", "", "host:port advertised to peers instead of the listen address")
	testnetGossip       *gossipReactor
)

// gossipReactor floods messages (a BytesValue holding the message id) and remembers ids seen.
type gossipReactor struct {
	p2p.BaseReactor
	mu   sync.Mutex
	seen map[string]bool
}

func newGossipReactor() *gossipReactor {
	r := &gossipReactor{seen: map[string]bool{}}
	r.BaseReactor = *p2p.NewBaseReactor("GOSSIP", r)
	return r
}

func (r *gossipReactor) GetChannels() []*conn.ChannelDescriptor {
	return []*conn.ChannelDescriptor{{ID: gossipChannel, Priority: 1, SendQueueCapacity: 100,
		RecvMessageCapacity: 1 << 20, MessageType: &gogotypes.BytesValue{}}}
}

// firstTime records id and reports whether it is new.
func (r *gossipReactor) firstTime(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[id] {
		return false
	}
	r.seen[id] = true
	return true
}

// publish starts a message from this node.
func (r *gossipReactor) publish(id string) {
	if !r.firstTime(id) {
		return
	}
	fmt.Printf("TN SEEN %s %d self\n", id, time.Now().UnixMicro())
	r.flood(id, "")
}

func (r *gossipReactor) Receive(e p2p.Envelope) {
	msg, ok := e.Message.(*gogotypes.BytesValue)
	if !ok {
		return
	}
	id := string(msg.Value)
	if !r.firstTime(id) {
		return
	}
	fmt.Printf("TN SEEN %s %d %s\n", id, time.Now().UnixMicro(), e.Src.ID())
	r.flood(id, e.Src.ID())
}

func (r *gossipReactor) flood(id string, except p2p.ID) {
	for _, peer := range r.Switch.Peers().List() {
		if peer.ID() != except {
			peer.TrySend(p2p.Envelope{ChannelID: gossipChannel, Message: &gogotypes.BytesValue{Value: []byte(id)}})
		}
	}
}

// reportPeers prints "TN PEERS <micros> <outbound> <inbound> <ids>" whenever the peer set changes.
func reportPeers(sw *p2p.Switch) {
	last := ""
	for range time.Tick(100 * time.Millisecond) {
		out, in := 0, 0
		var ids []string
		for _, p := range sw.Peers().List() {
			if p.IsOutbound() {
				out++
			} else {
				in++
			}
			ids = append(ids, string(p.ID()))
		}
		sort.Strings(ids)
		now := fmt.Sprintf("%d %d %s", out, in, strings.Join(ids, ","))
		if now != last {
			fmt.Printf("TN PEERS %d %s\n", time.Now().UnixMicro(), now)
			last = now
		}
	}
}
