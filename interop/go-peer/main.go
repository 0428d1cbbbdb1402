// Command go-peer is p2p4j's interoperability peer: a CometBFT v0.38 p2p switch with the real
// transport, node key, NodeInfo and PEX reactor, plus an echo reactor on test channels, driven
// by flags and by line commands on standard input. It prints one READY line when it listens.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/p2p/pex"
	"github.com/cometbft/cometbft/version"
)

var (
	benchPeerFlag   *string
	benchMixFlag    *string
	benchRoundsFlag *int
)

func main() {
	home := flag.String("home", "", "folder for node_key.json and addrbook.json (required)")
	laddr := flag.String("laddr", "tcp://127.0.0.1:0", "listen address; port 0 picks a free port")
	network := flag.String("network", "p2p4j-interop", "chain id")
	moniker := flag.String("moniker", "go-peer", "moniker")
	seeds := flag.String("seeds", "", "comma-separated id@host:port seeds")
	persistent := flag.String("persistent-peers", "", "comma-separated id@host:port persistent peers")
	pexOn := flag.Bool("pex", true, "run the PEX reactor")
	seedMode := flag.Bool("seed-mode", false, "run PEX in seed mode")
	echoChannels := flag.String("echo-channels", "0x70:1,0x71:5", "id:priority of each echo channel")
	echoOn := flag.Bool("echo", true, "echo every message back on the channel it came on")
	maxMsg := flag.Int("max-msg", 22020096, "largest message accepted on an echo channel")
	allowDupIP := flag.Bool("allow-duplicate-ip", true, "accept several peers from one IP")
	strict := flag.Bool("strict-addrbook", false, "keep only routable addresses in the address book")
	ensurePeers := flag.Duration("ensure-peers-period", 0, "PEX ensure-peers period (0: CometBFT's 30s)")
	maxOutbound := flag.Int("max-outbound", 10, "outbound peers PEX aims for")
	logLevel := flag.String("log-level", "info", "info or debug")
	benchPeer := flag.String("bench-peer", "", "dial this echo peer, measure, print BENCH lines (use with -echo=false)")
	benchMix := flag.String("bench-mix", "65536x200,1024x2000", "sizexcount of each throughput run")
	benchRounds := flag.Int("bench-latency-rounds", 200, "round trips of a 256-byte message")
	benchHandshakesFlag = flag.String("bench-handshakes", "", "dial this id@host:port over and over, print a BENCH line")
	benchSecondsFlag = flag.Float64("bench-seconds", 2, "how long -bench-handshakes counts")
	benchDialersFlag = flag.Int("bench-dialers", 8, "concurrent dialers of -bench-handshakes")
	maxInboundFlag = flag.Int("max-inbound", 40, "most inbound peers")
	sinkFlag = flag.Bool("sink", false, "with -echo=false: answer only acknowledgement requests (-bench-oneway's sink)")
	benchOneWayFlag = flag.String("bench-oneway", "", "send one way to this sink, print BENCH oneway lines (use with -echo=false)")
	benchOneWayMixFlag = flag.String("bench-oneway-mix", "65536x2000,1024x20000", "sizexcount of each one-way run")
	fullNodeFlag = flag.Bool("full-node-channels", false,
		"register CometBFT v0.38's full-node channel set instead of -echo-channels (use with -pex=false)")
	flag.Parse()
	if *home == "" {
		fmt.Fprintln(os.Stderr, "go-peer: -home is required")
		os.Exit(2)
	}
	benchPeerFlag, benchMixFlag, benchRoundsFlag = benchPeer, benchMix, benchRounds
	if err := run(*home, *laddr, *network, *moniker, *seeds, *persistent, *pexOn, *seedMode, *echoChannels,
		*echoOn, *maxMsg, *allowDupIP, *strict, *ensurePeers, *maxOutbound, *logLevel); err != nil {
		fmt.Fprintln(os.Stderr, "go-peer:", err)
		os.Exit(1)
	}
}

func run(home, laddr, network, moniker, seeds, persistent string, pexOn, seedMode bool, echoChannels string,
	echoOn bool, maxMsg int, allowDupIP, strict bool, ensurePeers time.Duration, maxOutbound int,
	logLevel string) error {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	logger := log.NewTMLogger(log.NewSyncWriter(os.Stdout))
	if logLevel != "debug" {
		logger = log.NewFilter(logger, log.AllowInfo())
	}
	nodeKey, err := p2p.LoadOrGenNodeKey(filepath.Join(home, "node_key.json"))
	if err != nil {
		return err
	}
	host, port, err := listenHostPort(laddr)
	if err != nil {
		return err
	}

	cfg := config.DefaultP2PConfig()
	cfg.ListenAddress = fmt.Sprintf("tcp://%s:%d", host, port)
	cfg.AllowDuplicateIP = allowDupIP
	cfg.AddrBookStrict = strict
	cfg.Seeds = seeds
	cfg.PersistentPeers = persistent
	cfg.SeedMode = seedMode
	cfg.PexReactor = pexOn
	cfg.MaxNumOutboundPeers = maxOutbound
	cfg.MaxNumInboundPeers = *maxInboundFlag
	cfg.SendRate = 0
	cfg.RecvRate = 0

	echo, err := newEchoReactor(echoChannels, maxMsg, echoOn)
	if err != nil {
		return err
	}
	channels := []byte{}
	for _, d := range echo.GetChannels() {
		channels = append(channels, d.ID)
	}
	if *testnetGossipFlag {
		channels = append(channels, gossipChannel)
	}
	if pexOn {
		channels = append(channels, pex.PexChannel)
	}
	nodeInfo := p2p.DefaultNodeInfo{
		ProtocolVersion: p2p.NewProtocolVersion(version.P2PProtocol, version.BlockProtocol, 0),
		DefaultNodeID:   nodeKey.ID(),
		ListenAddr:      advertised(cfg.ListenAddress),
		Network:         network,
		Version:         version.TMCoreSemVer,
		Channels:        channels,
		Moniker:         moniker,
		Other:           p2p.DefaultNodeInfoOther{TxIndex: "off", RPCAddress: ""},
	}
	if err := nodeInfo.Validate(); err != nil {
		return fmt.Errorf("our NodeInfo: %w", err)
	}

	transport := p2p.NewMultiplexTransport(nodeInfo, *nodeKey, p2p.MConnConfig(cfg))
	listen, err := p2p.NewNetAddressString(p2p.IDAddressString(nodeKey.ID(), fmt.Sprintf("%s:%d", host, port)))
	if err != nil {
		return err
	}
	if err := transport.Listen(*listen); err != nil {
		return err
	}
	sw := p2p.NewSwitch(cfg, transport)
	sw.SetLogger(logger.With("module", "p2p"))
	sw.SetNodeInfo(nodeInfo)
	sw.SetNodeKey(nodeKey)
	echo.SetLogger(logger.With("module", "echo"))
	sw.AddReactor("ECHO", echo)
	if *testnetGossipFlag {
		testnetGossip = newGossipReactor()
		sw.AddReactor("GOSSIP", testnetGossip)
	}

	var book pex.AddrBook
	if pexOn {
		book = pex.NewAddrBook(filepath.Join(home, "addrbook.json"), strict)
		book.SetLogger(logger.With("module", "addrbook"))
		book.AddOurAddress(listen)
		if *externalAddressFlag != "" {
			if ext, err := p2p.NewNetAddressString(p2p.IDAddressString(nodeKey.ID(), *externalAddressFlag)); err == nil {
				book.AddOurAddress(ext)
			}
		}
		reactorConfig := &pex.ReactorConfig{SeedMode: seedMode, Seeds: splitList(seeds)}
		pexReactor := pex.NewReactor(book, reactorConfig)
		if ensurePeers > 0 {
			pexReactor.SetEnsurePeersPeriod(ensurePeers)
		}
		pexReactor.SetLogger(logger.With("module", "pex"))
		sw.AddReactor("PEX", pexReactor)
		sw.SetAddrBook(book)
	}
	if err := sw.Start(); err != nil {
		return err
	}
	if list := splitList(persistent); len(list) > 0 {
		if err := sw.AddPersistentPeers(list); err != nil {
			return err
		}
		if err := sw.DialPeersAsync(list); err != nil {
			return err
		}
	}
	fmt.Printf("READY id=%s addr=%s@%s:%d\n", nodeKey.ID(), nodeKey.ID(), host, port)

	go commands(sw, book, echo)
	if *testnetGossipFlag {
		go reportPeers(sw)
	}
	if *benchHandshakesFlag != "" {
		go benchHandshakes(*benchHandshakesFlag, *benchDialersFlag, *benchSecondsFlag, nodeInfo)
	}
	if *benchOneWayFlag != "" {
		go benchOneWay(sw, echo, *benchOneWayFlag, *benchOneWayMixFlag)
	}
	if *benchPeerFlag != "" {
		go bench(sw, echo, *benchPeerFlag, *benchMixFlag, *benchRoundsFlag)
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	if err := sw.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "go-peer: stopping:", err)
	}
	if book != nil {
		book.Save()
	}
	fmt.Println("STOPPED")
	return nil
}

// commands answers line commands on standard input: stats, mem, peers, addrbook, dial <addr>.
func commands(sw *p2p.Switch, book pex.AddrBook, echo *echoReactor) {
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "stats":
			size := 0
			if book != nil {
				size = book.Size()
			}
			fmt.Printf("STATS received=%d echoed=%d dropped=%d peers=%d addrbook=%d\n", echo.received.Load(),
				echo.echoed.Load(), echo.dropped.Load(), sw.Peers().Size(), size)
		case "mem":
			printMem()
		case "peers":
			var ids []string
			for _, p := range sw.Peers().List() {
				ids = append(ids, fmt.Sprintf("%s/%s/outbound=%t", p.ID(), p.NodeInfo().(p2p.DefaultNodeInfo).Moniker,
					p.IsOutbound()))
			}
			fmt.Printf("PEERS %s\n", strings.Join(ids, ","))
		case "addrbook":
			var addrs []string
			if book != nil {
				for _, ka := range book.GetSelection() {
					addrs = append(addrs, ka.String())
				}
			}
			fmt.Printf("ADDRBOOK %s\n", strings.Join(addrs, ","))
		case "publish":
			if testnetGossip != nil && len(fields) == 2 {
				testnetGossip.publish(fields[1])
			}
		case "dial":
			if len(fields) == 2 {
				if err := sw.DialPeersAsync([]string{fields[1]}); err != nil {
					fmt.Printf("DIAL_ERROR %v\n", err)
				}
			}
		default:
			fmt.Printf("UNKNOWN %s\n", fields[0])
		}
	}
}

// advertised is the address in our NodeInfo: -external-address when given, else the listen address.
func advertised(listen string) string {
	if *externalAddressFlag != "" {
		return "tcp://" + *externalAddressFlag
	}
	return listen
}

func listenHostPort(laddr string) (string, int, error) {
	trimmed := laddr
	if i := strings.Index(trimmed, "://"); i >= 0 {
		trimmed = trimmed[i+3:]
	}
	host, portText, err := net.SplitHostPort(trimmed)
	if err != nil {
		return "", 0, fmt.Errorf("laddr %q: %w", laddr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return "", 0, fmt.Errorf("laddr %q: %w", laddr, err)
	}
	if port == 0 { // pick a free port, so NodeInfo can carry the real one
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return "", 0, err
		}
		port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
	}
	return host, port, nil
}

func splitList(list string) []string {
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
