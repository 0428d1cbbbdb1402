package io.p2p4j.conn;

import io.netty.channel.Channel;
import io.p2p4j.conn.ChannelDescriptor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** One end of a test connection: an MConnection that records what it receives and its errors. */
final class Endpoint {
    final MConnection connection;
    final Map<Integer, List<byte[]>> received = new ConcurrentHashMap<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();

    Endpoint(Channel channel, List<ChannelDescriptor> channels, MConnectionConfig config) {
        this.connection = MConnection.builder(channel)
                .channels(channels)
                .config(config)
                .onReceive((id, msg) -> messages(Byte.toUnsignedInt(id)).add(msg))
                .onError(errors::add)
                .start();
    }

    List<byte[]> messages(int channel) {
        return received.computeIfAbsent(channel, k -> new CopyOnWriteArrayList<>());
    }

    int count(int channel) {
        return messages(channel).size();
    }
}
