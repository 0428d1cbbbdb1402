package io.p2p4j.pex;

import io.p2p4j.identity.NetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the {@link PexReactor}; {@link #defaults()} gives CometBFT v0.38's.
 *
 * @param seeds                    nodes to ask for addresses when the book is empty
 * @param seedMode                 crawl the network and serve addresses, disconnecting peers once served
 * @param ensurePeersPeriod        how often outbound peers are topped up (30 s); a peer may send a
 *                                 request at most every third of it
 * @param maxOutboundPeers         outbound peers aimed for; -1 (the default) takes the switch's
 *                                 {@link io.p2p4j.P2pConfig#maxOutboundPeers()} (CometBFT's
 *                                 max_num_outbound_peers, 10)
 * @param banTime                  how long a misbehaving peer is banned (24 h)
 * @param crawlPeriod              seed mode: how often the crawl runs (30 s)
 * @param minCrawlInterval         seed mode: least time between two crawls of one address (2 min)
 * @param seedDisconnectWaitPeriod seed mode: peers connected longer are disconnected (28 h)
 * @param bookSavePeriod           how often the address book is saved (2 min)
 * @param maxDialFailures          failed dials after which an address is banned (16)
 * @param dialBackoffBase          base of the per-address redial backoff: base * 2^failures (1 s)
 */
public record PexConfig(
        List<NetAddress> seeds,
        boolean seedMode,
        Duration ensurePeersPeriod,
        int maxOutboundPeers,
        Duration banTime,
        Duration crawlPeriod,
        Duration minCrawlInterval,
        Duration seedDisconnectWaitPeriod,
        Duration bookSavePeriod,
        int maxDialFailures,
        Duration dialBackoffBase) {

    public PexConfig {
        seeds = List.copyOf(seeds);
        Objects.requireNonNull(ensurePeersPeriod, "ensurePeersPeriod");
        Objects.requireNonNull(banTime, "banTime");
        Objects.requireNonNull(crawlPeriod, "crawlPeriod");
        Objects.requireNonNull(minCrawlInterval, "minCrawlInterval");
        Objects.requireNonNull(seedDisconnectWaitPeriod, "seedDisconnectWaitPeriod");
        Objects.requireNonNull(bookSavePeriod, "bookSavePeriod");
        Objects.requireNonNull(dialBackoffBase, "dialBackoffBase");
        if (maxOutboundPeers < -1) {
            throw new IllegalArgumentException("maxOutboundPeers must be -1 (the switch's) or at least 0, not " + maxOutboundPeers);
        }
    }

    /** CometBFT v0.38's values, no seeds. */
    public static PexConfig defaults() {
        return new PexConfig(List.of(), false, Duration.ofSeconds(30), -1, Duration.ofHours(24), Duration.ofSeconds(30),
                Duration.ofMinutes(2), Duration.ofHours(28), Duration.ofMinutes(2), 16, Duration.ofSeconds(1));
    }

    /** The least time between two requests from one peer: a third of the ensure-peers period. */
    public Duration minReceiveRequestInterval() {
        return ensurePeersPeriod.dividedBy(3);
    }

    public PexConfig withSeeds(List<NetAddress> list) {
        return new PexConfig(list, seedMode, ensurePeersPeriod, maxOutboundPeers, banTime, crawlPeriod, minCrawlInterval,
                seedDisconnectWaitPeriod, bookSavePeriod, maxDialFailures, dialBackoffBase);
    }

    public PexConfig withSeedMode(boolean on) {
        return new PexConfig(seeds, on, ensurePeersPeriod, maxOutboundPeers, banTime, crawlPeriod, minCrawlInterval,
                seedDisconnectWaitPeriod, bookSavePeriod, maxDialFailures, dialBackoffBase);
    }

    public PexConfig withEnsurePeersPeriod(Duration period) {
        return new PexConfig(seeds, seedMode, period, maxOutboundPeers, banTime, crawlPeriod, minCrawlInterval,
                seedDisconnectWaitPeriod, bookSavePeriod, maxDialFailures, dialBackoffBase);
    }

    public PexConfig withMaxOutboundPeers(int max) {
        return new PexConfig(seeds, seedMode, ensurePeersPeriod, max, banTime, crawlPeriod, minCrawlInterval,
                seedDisconnectWaitPeriod, bookSavePeriod, maxDialFailures, dialBackoffBase);
    }

    public PexConfig withCrawl(Duration period, Duration minInterval) {
        return new PexConfig(seeds, seedMode, ensurePeersPeriod, maxOutboundPeers, banTime, period, minInterval,
                seedDisconnectWaitPeriod, bookSavePeriod, maxDialFailures, dialBackoffBase);
    }

    public PexConfig withBookSavePeriod(Duration period) {
        return new PexConfig(seeds, seedMode, ensurePeersPeriod, maxOutboundPeers, banTime, crawlPeriod, minCrawlInterval,
                seedDisconnectWaitPeriod, period, maxDialFailures, dialBackoffBase);
    }

    public PexConfig withDialBackoffBase(Duration base) {
        return new PexConfig(seeds, seedMode, ensurePeersPeriod, maxOutboundPeers, banTime, crawlPeriod, minCrawlInterval,
                seedDisconnectWaitPeriod, bookSavePeriod, maxDialFailures, base);
    }
}
