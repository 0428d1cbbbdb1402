package main

// Support for the idle-peer memory benchmark: CometBFT v0.38's full-node channel set, and a
// "mem" command that reports this process's memory after a collection.

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/cometbft/cometbft/p2p/conn"
	gogotypes "github.com/cosmos/gogoproto/types"
)

var (
	maxInboundFlag *int
	fullNodeFlag   *bool
)

// fullNodeChannels are the channels a v0.38 full node registers (PEX, consensus, mempool,
// evidence, blocksync, statesync) with the priorities and capacities its reactors declare.
func fullNodeChannels() []*conn.ChannelDescriptor {
	const mib = 1 << 20
	channel := func(id byte, priority, sendQueue, recvBuffer, recvMessage int) *conn.ChannelDescriptor {
		return &conn.ChannelDescriptor{ID: id, Priority: priority, SendQueueCapacity: sendQueue,
			RecvBufferCapacity: recvBuffer, RecvMessageCapacity: recvMessage, MessageType: &gogotypes.BytesValue{}}
	}
	return []*conn.ChannelDescriptor{
		channel(0x00, 1, 10, 0, 64000),                // PEX
		channel(0x20, 6, 100, 0, mib),                 // consensus state
		channel(0x21, 10, 100, 50*4096, mib),          // consensus data
		channel(0x22, 7, 100, 100*100, mib),           // consensus votes
		channel(0x23, 1, 2, 1024, mib),                // consensus vote set bits
		channel(0x30, 5, 0, 0, mib+16),                // mempool
		channel(0x38, 6, 0, 0, mib),                   // evidence
		channel(0x40, 5, 1000, 50*4096, 100*mib+4096), // blocksync
		channel(0x60, 5, 10, 0, 4*mib),                // statesync snapshots
		channel(0x61, 3, 10, 0, 16*mib),               // statesync chunks
	}
}

// printMem collects garbage and prints the live heap, goroutine stacks, what the runtime holds
// from the OS, the resident set and the number of goroutines.
func printMem() {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Printf("MEM heap=%d stacks=%d sys=%d rss=%d goroutines=%d\n", m.HeapAlloc, m.StackInuse, m.Sys,
		residentBytes(), runtime.NumGoroutine())
}

// residentBytes reads VmRSS from /proc/self/status (0 where there is no such file).
func residentBytes() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if rest, ok := strings.CutPrefix(scanner.Text(), "VmRSS:"); ok {
			var kib int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kib)
			return kib * 1024
		}
	}
	return 0
}
