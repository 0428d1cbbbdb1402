package main

// One-way throughput: a sender pushes count messages of one size on channel 0x70 and then a short
// acknowledgement request; the sink (-sink) counts what it receives and answers only that
// request, after printing a SINK line with what arrived since the previous one. A channel
// delivers in order, so the answer means every message before it has arrived. The sink's line
// is the measure, as on the Java side (delivered at the receiver, from the first message to the
// last): the sender's clock would also count the 100 ms flush throttle the last packets and
// the answer wait for at each end.

import (
	"fmt"
	"sync"
	"time"

	"github.com/cometbft/cometbft/p2p"
	gogotypes "github.com/cosmos/gogoproto/types"
)

var (
	sinkFlag           *bool
	benchOneWayFlag    *string
	benchOneWayMixFlag *string
)

// ackRequestSize: payloads this short are acknowledgement requests, not measured messages
// (which are 1 KiB and 64 KiB).
const ackRequestSize = 1

// sinkTally is what arrived since the last acknowledgement.
type sinkTally struct {
	sync.Mutex
	messages    int
	bytes       int
	first, last time.Time
}

var tally sinkTally

// acknowledge counts a measured message, or answers an acknowledgement request with the same
// bytes after printing the tally, and reports whether the envelope was a request.
func acknowledge(e p2p.Envelope) bool {
	msg, ok := e.Message.(*gogotypes.BytesValue)
	if !ok {
		return false
	}
	tally.Lock()
	if len(msg.Value) > ackRequestSize {
		now := time.Now()
		if tally.messages == 0 {
			tally.first = now
		}
		tally.last = now
		tally.messages++
		tally.bytes += len(msg.Value)
		tally.Unlock()
		return false
	}
	// rates over the intervals between the first and the last arrival: the first message's own
	// bytes arrived before the clock started
	first := tally.bytes / max(tally.messages, 1)
	fmt.Printf("SINK messages=%d bytes=%d seconds=%.6f\n", tally.messages-1, tally.bytes-first,
		tally.last.Sub(tally.first).Seconds())
	tally.messages, tally.bytes = 0, 0
	tally.Unlock()
	for e.Src.IsRunning() && !e.Src.Send(p2p.Envelope{ChannelID: e.ChannelID, Message: &gogotypes.BytesValue{Value: msg.Value}}) {
		time.Sleep(time.Millisecond)
	}
	return true
}

// benchOneWay dials the sink at target and, for each sizexcount of mix, sends the messages and
// an acknowledgement request and waits for the answer. It prints a BENCH oneway line per run and
// BENCH done.
func benchOneWay(sw *p2p.Switch, echo *echoReactor, target, mix string) {
	send, ok := dialBenchPeer(sw, target)
	if !ok {
		return
	}
	for _, run := range splitList(mix) {
		size, count := sizeAndCount(run)
		if size <= ackRequestSize {
			fmt.Printf("BENCH error=%q\n", "message size must exceed the acknowledgement request's")
			return
		}
		payload := make([]byte, size)
		start := time.Now()
		for i := 0; i < count; i++ {
			send(payload)
		}
		send([]byte{1})
		select {
		case <-echo.arrivals:
		case <-time.After(300 * time.Second):
			fmt.Println("BENCH error=no-acknowledgement")
			return
		}
		fmt.Printf("BENCH oneway size=%d count=%d seconds=%.6f\n", size, count, time.Since(start).Seconds())
	}
	fmt.Println("BENCH done")
}
