package io.p2p4j;

import io.p2p4j.net.TransportKind;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;

/** The {@link SwitchTest} contract over Netty's in-process channels: the same behaviour without sockets. */
class SwitchInMemoryTest extends SwitchTest {
    @Override
    TransportKind kind() {
        return TransportKind.IN_MEMORY;
    }

    @Override
    EventLoopGroup newEventLoopGroup() {
        return new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
    }
}
