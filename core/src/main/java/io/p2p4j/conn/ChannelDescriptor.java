package io.p2p4j.conn;

/**
 * One logical channel of a connection: its id, its share of the bandwidth and its limits.
 *
 * <p>Priorities are relative: under saturation, channels get bytes in proportion to their
 * priorities. The receive defaults are CometBFT v0.38's: receive buffer 4,096 bytes (CometBFT's
 * initial reassembly buffer; p2p4j reassembles a message of more than one packet in blocks of
 * this size, kept between 1 KiB and 16 KiB, allocated as its data arrives), receive message
 * capacity 22,020,096 bytes (21 MiB, the largest message accepted on the channel).
 *
 * <p>The send queue is not CometBFT's one message: it holds up to 128 messages and, unless it is
 * empty, up to 1 MiB of them. With one place a sender in a loop sleeps and is woken for every
 * message, and 1 KiB messages go at about 15,000 a second where 128 places carry 150,000 to
 * 1,000,000 (the README's benchmarks); the byte bound keeps what a slow peer can make us hold per
 * channel at about what CometBFT's one large message would, whatever the message size. CometBFT's
 * own reactors set their capacities (consensus 100, block sync 1,000, PEX 10); set them here as
 * well where the number of waiting messages matters, as it does for {@code trySend}, which fails
 * once the queue is full.
 *
 * @param id                  the channel id, the same on both ends (0x00 is PEX)
 * @param priority            relative priority, at least 1
 * @param sendQueueCapacity   how many whole messages may wait to be sent, at least 1
 * @param sendQueueBytes      how many bytes of messages may wait to be sent, at least 1; a larger
 *                            message is still queued when the queue is empty
 * @param recvBufferCapacity  size of the reassembly blocks in bytes, at least 1 (used within 1 KiB
 *                            to 16 KiB): a message in progress holds its data plus less than one
 *                            block; nothing is preallocated, and between messages a channel keeps
 *                            at most one block, no larger than this
 * @param recvMessageCapacity largest message accepted from the peer, in bytes, at least 1
 */
public record ChannelDescriptor(
        byte id, int priority, int sendQueueCapacity, int sendQueueBytes, int recvBufferCapacity,
        int recvMessageCapacity) {

    /** The default send queue capacity: 128 messages (CometBFT's is one; see above why not). */
    public static final int DEFAULT_SEND_QUEUE_CAPACITY = 128;
    /** The default bound of the bytes waiting in a send queue: 1 MiB. */
    public static final int DEFAULT_SEND_QUEUE_BYTES = 1 << 20;
    /** CometBFT's default initial reassembly buffer: 4,096 bytes (p2p4j's reassembly block, allocated on demand). */
    public static final int DEFAULT_RECV_BUFFER_CAPACITY = 4096;
    /** CometBFT's default largest message: 22,020,096 bytes (21 MiB). */
    public static final int DEFAULT_RECV_MESSAGE_CAPACITY = 22_020_096;

    /** Validates the fields. @throws IllegalArgumentException naming the field that is wrong */
    public ChannelDescriptor {
        requirePositive("priority", priority, id);
        requirePositive("sendQueueCapacity", sendQueueCapacity, id);
        requirePositive("sendQueueBytes", sendQueueBytes, id);
        requirePositive("recvBufferCapacity", recvBufferCapacity, id);
        requirePositive("recvMessageCapacity", recvMessageCapacity, id);
    }

    /** A channel with the given priority and the defaults for everything else. */
    public static ChannelDescriptor of(byte id, int priority) {
        return builder(id).priority(priority).build();
    }

    /** A builder starting from the defaults and priority 1. */
    public static Builder builder(byte id) {
        return new Builder(id);
    }

    /** The id as an unsigned number, 0 to 255. */
    public int unsignedId() {
        return Byte.toUnsignedInt(id);
    }

    /** The id in the form used in logs and errors, such as {@code 0x20}. */
    public static String format(int channelId) {
        return String.format("0x%02x", channelId);
    }

    private static void requirePositive(String field, int value, byte id) {
        if (value <= 0) {
            throw new IllegalArgumentException(
                    "channel " + format(Byte.toUnsignedInt(id)) + ": " + field + " must be positive, got " + value);
        }
    }

    /** Builds a {@link ChannelDescriptor}; not thread-safe. */
    public static final class Builder {
        private final byte id;
        private int priority = 1;
        private int sendQueueCapacity = DEFAULT_SEND_QUEUE_CAPACITY;
        private int sendQueueBytes = DEFAULT_SEND_QUEUE_BYTES;
        private int recvBufferCapacity = DEFAULT_RECV_BUFFER_CAPACITY;
        private int recvMessageCapacity = DEFAULT_RECV_MESSAGE_CAPACITY;

        private Builder(byte id) {
            this.id = id;
        }

        /** Relative priority (default 1). */
        public Builder priority(int priority) {
            this.priority = priority;
            return this;
        }

        /** Messages that may wait to be sent (default 128). */
        public Builder sendQueueCapacity(int capacity) {
            this.sendQueueCapacity = capacity;
            return this;
        }

        /** Bytes of messages that may wait to be sent (default 1 MiB); a larger message goes alone. */
        public Builder sendQueueBytes(int bytes) {
            this.sendQueueBytes = bytes;
            return this;
        }

        /** Reassembly block in bytes (default 4,096; used within 1 KiB to 16 KiB); allocated on demand, one kept between messages if no larger. */
        public Builder recvBufferCapacity(int capacity) {
            this.recvBufferCapacity = capacity;
            return this;
        }

        /** Largest message accepted, in bytes (default 22,020,096). */
        public Builder recvMessageCapacity(int capacity) {
            this.recvMessageCapacity = capacity;
            return this;
        }

        /** @throws IllegalArgumentException if a field is not positive */
        public ChannelDescriptor build() {
            return new ChannelDescriptor(id, priority, sendQueueCapacity, sendQueueBytes, recvBufferCapacity,
                    recvMessageCapacity);
        }
    }
}
