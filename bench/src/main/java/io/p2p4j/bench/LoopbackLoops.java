package io.p2p4j.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.TimeUnit;

/**
 * The two event loops of a loopback benchmark, one thread each: the dialing ends' and the
 * accepting ends', so the two sides of a connection run on different threads, as on two machines.
 */
record LoopbackLoops(EventLoopGroup clients, EventLoopGroup servers) implements AutoCloseable {

    static LoopbackLoops start() {
        return new LoopbackLoops(new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()),
                new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()));
    }

    @Override
    public void close() throws InterruptedException {
        clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        servers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
