package main

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/p2p/conn"
	gogotypes "github.com/cosmos/gogoproto/types"
)

// echoReactor owns the test channels. Their payload is a protobuf BytesValue (field 1, bytes):
// the Java side sends the encoded BytesValue and gets the same bytes back.
type echoReactor struct {
	p2p.BaseReactor
	channels []*conn.ChannelDescriptor
	echo     bool
	received atomic.Int64
	echoed   atomic.Int64
	dropped  atomic.Int64  // received but not echoed: not a BytesValue, or the peer stopped first
	arrivals chan struct{} // with echo off: one signal per message received (for bench)
}

func newEchoReactor(spec string, maxMsg int, echo bool) (*echoReactor, error) {
	r := &echoReactor{echo: echo, arrivals: make(chan struct{}, 1<<16)}
	for _, part := range splitList(spec) {
		idText, prioText, found := strings.Cut(part, ":")
		if !found {
			prioText = "1"
		}
		id, err := strconv.ParseUint(strings.TrimPrefix(idText, "0x"), 16, 8)
		if err != nil {
			return nil, fmt.Errorf("echo channel %q: %w", part, err)
		}
		prio, err := strconv.Atoi(prioText)
		if err != nil {
			return nil, fmt.Errorf("echo channel %q: %w", part, err)
		}
		r.channels = append(r.channels, &conn.ChannelDescriptor{
			ID: byte(id), Priority: prio, SendQueueCapacity: 100, RecvMessageCapacity: maxMsg,
			MessageType: &gogotypes.BytesValue{},
		})
	}
	if *fullNodeFlag {
		r.channels = fullNodeChannels()
	}
	r.BaseReactor = *p2p.NewBaseReactor("ECHO", r)
	return r, nil
}

func (r *echoReactor) GetChannels() []*conn.ChannelDescriptor {
	return r.channels
}

func (r *echoReactor) AddPeer(peer p2p.Peer) {
	info := peer.NodeInfo().(p2p.DefaultNodeInfo)
	fmt.Printf("PEER_ADDED id=%s outbound=%t moniker=%s network=%s\n", peer.ID(), peer.IsOutbound(), info.Moniker,
		info.Network)
}

func (r *echoReactor) RemovePeer(peer p2p.Peer, reason interface{}) {
	fmt.Printf("PEER_REMOVED id=%s reason=%v\n", peer.ID(), reason)
}

func (r *echoReactor) Receive(e p2p.Envelope) {
	r.received.Add(1)
	if *sinkFlag && acknowledge(e) {
		return
	}
	if !r.echo {
		select {
		case r.arrivals <- struct{}{}:
		default:
		}
		return
	}
	msg, ok := e.Message.(*gogotypes.BytesValue)
	if !ok {
		r.dropped.Add(1)
		return
	}
	// Send waits up to 10 s for room in the channel's queue; try again for as long as the peer
	// runs, so a slow reader gets every echo in order. Only a stopped peer loses one, counted.
	for e.Src.IsRunning() {
		if e.Src.Send(p2p.Envelope{ChannelID: e.ChannelID, Message: &gogotypes.BytesValue{Value: msg.Value}}) {
			r.echoed.Add(1)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.dropped.Add(1)
	fmt.Printf("ECHO_DROPPED peer=%s channel=%#x size=%d\n", e.Src.ID(), e.ChannelID, len(msg.Value))
}
