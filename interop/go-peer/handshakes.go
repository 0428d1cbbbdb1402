package main

// The handshake benchmark's Go dialers: like the Java ones, each with a key of its own, they
// connect again and again to a listening node and go through TCP connect, SecretConnection and
// the NodeInfo exchange (with its checks), then close the connection.

import (
	"fmt"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/libs/protoio"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/p2p/conn"
	tmp2p "github.com/cometbft/cometbft/proto/tendermint/p2p"
)

var (
	benchHandshakesFlag *string
	benchSecondsFlag    *float64
	benchDialersFlag    *int
)

// benchHandshakes runs the dialers for a warm-up of half a second and then for the given time,
// and prints one BENCH line with the handshakes completed in that time and their p50 and p99.
func benchHandshakes(target string, dialers int, seconds float64, template p2p.DefaultNodeInfo) {
	address, err := p2p.NewNetAddressString(target)
	if err != nil {
		fmt.Printf("BENCH error=%q\n", err.Error())
		return
	}
	var (
		mu      sync.Mutex
		times   []float64
		failure error
		timing  bool
		running = true
		wg      sync.WaitGroup
	)
	for i := 0; i < dialers; i++ {
		key := ed25519.GenPrivKey()
		info := template
		info.DefaultNodeID = p2p.PubKeyToID(key.PubKey())
		info.Moniker = fmt.Sprintf("dialer-%d", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if !running || failure != nil {
					mu.Unlock()
					return
				}
				mu.Unlock()
				start := time.Now()
				err := dialOnce(address, key, info)
				took := float64(time.Since(start).Microseconds())
				mu.Lock()
				if err != nil && failure == nil {
					failure = err
				} else if err == nil && timing {
					times = append(times, took)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	mu.Lock()
	timing = true
	mu.Unlock()
	start := time.Now()
	time.Sleep(time.Duration(seconds * float64(time.Second)))
	mu.Lock()
	timing = false
	elapsed := time.Since(start).Seconds()
	running = false
	counted := append([]float64(nil), times...)
	mu.Unlock()
	wg.Wait()
	if failure != nil {
		fmt.Printf("BENCH error=%q\n", failure.Error())
		return
	}
	if len(counted) == 0 {
		fmt.Println("BENCH error=no-handshakes")
		return
	}
	sort.Float64s(counted)
	fmt.Printf("BENCH handshakes count=%d seconds=%.6f p50_us=%.1f p99_us=%.1f\n", len(counted), elapsed,
		counted[len(counted)/2], counted[len(counted)*99/100])
}

// dialOnce makes one connection to the address, authenticates it, exchanges NodeInfo, and closes it.
func dialOnce(address *p2p.NetAddress, key ed25519.PrivKey, ours p2p.DefaultNodeInfo) error {
	c, err := net.DialTimeout("tcp", address.DialString(), 3*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	sc, err := conn.MakeSecretConnection(c, key)
	if err != nil {
		return err
	}
	if id := p2p.PubKeyToID(sc.RemotePubKey()); id != address.ID {
		return fmt.Errorf("dialed %s, authenticated %s", address.ID, id)
	}
	written := make(chan error, 1)
	go func() {
		_, err := protoio.NewDelimitedWriter(sc).WriteMsg(ours.ToProto())
		written <- err
	}()
	var theirs tmp2p.DefaultNodeInfo
	if _, err := protoio.NewDelimitedReader(sc, p2p.MaxNodeInfoSize()).ReadMsg(&theirs); err != nil {
		return err
	}
	if err := <-written; err != nil {
		return err
	}
	info, err := p2p.DefaultNodeInfoFromToProto(&theirs)
	if err != nil {
		return err
	}
	if err := info.Validate(); err != nil {
		return err
	}
	if info.ID() != address.ID {
		return fmt.Errorf("NodeInfo says %s, authenticated %s", info.ID(), address.ID)
	}
	return ours.CompatibleWith(info)
}
