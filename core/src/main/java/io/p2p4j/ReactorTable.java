package io.p2p4j;

import io.p2p4j.conn.ChannelDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switch's reactors: by name in the order they were registered, which one owns each channel,
 * and telling them the switch started and stopped. Built once and read-only afterwards, so it
 * needs no lock.
 */
final class ReactorTable {
    /** Logs as the switch, the logger operators know. */
    private static final Logger log = LoggerFactory.getLogger(Switch.class);

    private final Map<String, Reactor> byName;
    private final Reactor[] byChannel = new Reactor[256];
    private final List<ChannelDescriptor> channels;

    /**
     * @throws IllegalArgumentException if two reactors claim one channel, or none has any
     */
    ReactorTable(Map<String, Reactor> reactors) {
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(reactors));
        List<ChannelDescriptor> all = new ArrayList<>();
        for (Map.Entry<String, Reactor> entry : byName.entrySet()) {
            for (ChannelDescriptor channel : entry.getValue().channels()) {
                int id = channel.unsignedId();
                if (byChannel[id] != null) {
                    throw new IllegalArgumentException("channel " + ChannelDescriptor.format(id) + " claimed by two reactors, "
                            + nameOf(byChannel[id]) + " and " + entry.getKey());
                }
                byChannel[id] = entry.getValue();
                all.add(channel);
            }
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no reactor with a channel: a switch needs at least one to talk to peers");
        }
        this.channels = List.copyOf(all);
    }

    /** Every reactor, in the order registered. */
    Collection<Reactor> all() {
        return byName.values();
    }

    /** The reactor registered under this name, or null. */
    Reactor named(String name) {
        return byName.get(name);
    }

    /** The reactor that owns the channel, or null. */
    Reactor owner(byte channelId) {
        return byChannel[Byte.toUnsignedInt(channelId)];
    }

    /** Every channel of every reactor, in order. */
    List<ChannelDescriptor> channels() {
        return channels;
    }

    /** The ids of {@link #channels()}, as our NodeInfo gives them. */
    byte[] channelIds() {
        byte[] ids = new byte[channels.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = channels.get(i).id();
        }
        return ids;
    }

    /** Gives every {@link BaseReactor} its switch. */
    void attach(Switch owner) {
        for (Reactor reactor : byName.values()) {
            if (reactor instanceof BaseReactor base) {
                base.attach(owner);
            }
        }
    }

    /** Tells every {@link BaseReactor} that the switch started. */
    void start() {
        for (Reactor reactor : byName.values()) {
            if (reactor instanceof BaseReactor base) {
                base.onStart();
            }
        }
    }

    /** Tells every {@link BaseReactor} that the switch stopped; one that throws is logged and does not keep it from the others. */
    void stop() {
        for (Reactor reactor : byName.values()) {
            if (reactor instanceof BaseReactor base) {
                try {
                    base.onStop();
                } catch (RuntimeException e) {
                    log.warn("reactor {} failed to stop", nameOf(reactor), e);
                }
            }
        }
    }

    /** The name a reactor was registered under (its class name if it is not one of ours). */
    String nameOf(Reactor reactor) {
        return byName.entrySet().stream().filter(e -> e.getValue() == reactor).map(Map.Entry::getKey)
                .findFirst().orElse(reactor.getClass().getSimpleName());
    }
}
