package io.p2p4j.conn;

/** What the {@link PacketDecoder} passes to the connection. */
sealed interface InboundPacket {
    /** A keepalive request. */
    record Ping() implements InboundPacket {}

    /** A keepalive answer. */
    record Pong() implements InboundPacket {}

    /**
     * A whole message of a channel, reassembled from its packets; {@code data} is owned by the
     * receiver. What a connection's decoder passes on for packet messages.
     */
    record Message(int channelId, byte[] data) implements InboundPacket {}

    /**
     * One packet's piece of a channel message, as it came, from a decoder that does not
     * reassemble ({@link PacketDecoder#PIECES}: tests and tools). {@code channelId} is the raw
     * int32 from the wire (it may be out of range); {@code data} is owned by the receiver.
     */
    record Msg(int channelId, boolean eof, byte[] data) implements InboundPacket {}

    Ping PING = new Ping();
    Pong PONG = new Pong();
}
