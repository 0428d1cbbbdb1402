package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cometbft/cometbft/p2p"
	gogotypes "github.com/cosmos/gogoproto/types"
)

// bench dials an echo peer and measures, on channel 0x70: echo throughput for each size x count
// of the mix, then the round-trip time of a 256-byte message. It prints BENCH lines.
func bench(sw *p2p.Switch, echo *echoReactor, target, mix string, rounds int) {
	send, ok := dialBenchPeer(sw, target)
	if !ok {
		return
	}
	for _, run := range splitList(mix) {
		size, count := sizeAndCount(run)
		payload := make([]byte, size)
		start := time.Now()
		go func() {
			for i := 0; i < count; i++ {
				send(payload)
			}
		}()
		for i := 0; i < count; i++ {
			<-echo.arrivals
		}
		fmt.Printf("BENCH throughput size=%d count=%d seconds=%.6f\n", size, count, time.Since(start).Seconds())
	}
	small := make([]byte, 256)
	var times []float64
	for i := 0; i < rounds; i++ {
		start := time.Now()
		send(small)
		<-echo.arrivals
		times = append(times, float64(time.Since(start).Microseconds()))
	}
	sort.Float64s(times)
	// p99 by nearest rank, as the Java side computes it
	fmt.Printf("BENCH latency size=256 rounds=%d p50_us=%.1f p99_us=%.1f\n", rounds, times[len(times)/2],
		times[(len(times)*99+99)/100-1])
	fmt.Println("BENCH done")
}

// dialBenchPeer dials target and returns a function that sends a payload to it on channel 0x70,
// waiting while the channel's queue is full; on failure it prints a BENCH error line.
func dialBenchPeer(sw *p2p.Switch, target string) (func([]byte), bool) {
	if err := sw.DialPeersAsync([]string{target}); err != nil {
		fmt.Printf("BENCH error=%q\n", err.Error())
		return nil, false
	}
	deadline := time.Now().Add(30 * time.Second)
	for sw.Peers().Size() == 0 {
		if time.Now().After(deadline) {
			fmt.Println("BENCH error=no-peer")
			return nil, false
		}
		time.Sleep(10 * time.Millisecond)
	}
	peer := sw.Peers().List()[0]
	return func(payload []byte) {
		for !peer.Send(p2p.Envelope{ChannelID: 0x70, Message: &gogotypes.BytesValue{Value: payload}}) {
			time.Sleep(time.Millisecond)
		}
	}, true
}

// sizeAndCount reads one "sizexcount" entry of a mix.
func sizeAndCount(run string) (int, int) {
	sizeText, countText, _ := strings.Cut(run, "x")
	size, _ := strconv.Atoi(sizeText)
	count, _ := strconv.Atoi(countText)
	return size, count
}
