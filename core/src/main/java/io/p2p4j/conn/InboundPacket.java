package io.p2p4j.conn;

/** A decoded packet, as the {@link PacketDecoder} passes it to the connection. */
sealed interface InboundPacket {
    /** A keepalive request. */
    record Ping() implements InboundPacket {}

    /** A keepalive answer. */
    record Pong() implements InboundPacket {}

    /**
     * A piece of a channel message. {@code channelId} is the raw int32 from the wire (it may be
     * out of range: the connection checks it); {@code data} is owned by the receiver.
     */
    record Msg(int channelId, boolean eof, byte[] data) implements InboundPacket {}

    Ping PING = new Ping();
    Pong PONG = new Pong();
}
