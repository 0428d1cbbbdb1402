package io.p2p4j.conn;

/**
 * A snapshot of one channel's traffic.
 *
 * @param id                the channel id (0 to 255)
 * @param priority          its priority
 * @param sendQueueSize     messages waiting to be sent
 * @param sendQueueCapacity how many may wait
 * @param sendQueueBytes    bytes of the messages waiting
 * @param recentlySent      the scheduler's decayed count of bytes sent recently
 * @param bytesSent         bytes sent in packets (prefixes included) since the start
 * @param messagesSent      whole messages sent since the start
 * @param bytesReceived     bytes received in packets since the start
 * @param messagesReceived  whole messages received since the start
 * @param messageBytesQueued bytes of the messages accepted for sending since the start, counted
 *                          when a send or trySend queues them, without the packets' framing (what
 *                          CometBFT v0.38 counts as sent to a peer)
 * @param messageBytesReceived bytes of the whole messages received since the start, without the
 *                          packets' framing (what CometBFT v0.38 counts as received from a peer)
 * @param sendRate          bytes per second sent over the last statistics interval
 * @param recvRate          bytes per second received over the last statistics interval
 */
public record ChannelStatus(
        int id,
        int priority,
        int sendQueueSize,
        int sendQueueCapacity,
        long sendQueueBytes,
        long recentlySent,
        long bytesSent,
        long messagesSent,
        long bytesReceived,
        long messagesReceived,
        long messageBytesQueued,
        long messageBytesReceived,
        long sendRate,
        long recvRate) {}
