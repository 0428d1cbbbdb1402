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
        long sendRate,
        long recvRate) {}
