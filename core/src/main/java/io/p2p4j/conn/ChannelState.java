package io.p2p4j.conn;

import io.netty.buffer.ByteBuf;
import io.p2p4j.ChannelDescriptor;
import io.p2p4j.conn.MConnectionException.MessageTooLargeException;
import java.util.ArrayList;
import java.util.List;

/**
 * One channel of a connection: its send queue, the message being cut into packets, the
 * scheduler's recently-sent count, and the reassembly of incoming packets. Everything but the
 * queue and the counters is touched only on the connection's event loop.
 *
 * <p><b>Reassembly and {@code recvBufferCapacity}.</b> The descriptor's receive buffer capacity
 * is accepted (CometBFT's configurations carry it) but deliberately not used. CometBFT allocates
 * a buffer of that size per channel up front, appends to it, and keeps it at its largest size
 * after each message. Here nothing is held while no message is partly received (an idle peer
 * costs no reassembly memory), a single-packet message is handed on without a copy, and the
 * packets of a longer one are kept as they came and joined once at the end: one copy per
 * message. A buffer that starts at {@code recvBufferCapacity} and doubles, even one allocated
 * only when data arrives and dropped after each message, zeroes and copies every intermediate
 * size as well: in a loop test of 64 KiB and 1 MiB messages in 1 KiB packets it reassembled
 * 1.2 to 4 times slower. The largest message stays bounded by {@code recvMessageCapacity},
 * checked before any packet is kept.
 */
final class ChannelState {
    final ChannelDescriptor descriptor;
    final int id;
    final SendQueue queue;
    private final int payloadLimit;

    // Sending (event loop only).
    private byte[] sending;
    private int sendingOffset;
    /** Bytes written recently, decayed by the scheduler; the numerator of the priority ratio. */
    long recentlySent;

    // Receiving (event loop only): the pieces of a multi-packet message so far.
    private List<byte[]> pieces;
    private int recvLen;

    // Counters: written on the event loop, read anywhere.
    volatile long bytesSent;
    volatile long messagesSent;
    volatile long bytesReceived;
    volatile long messagesReceived;

    ChannelState(ChannelDescriptor descriptor, int maxPayload) {
        this.descriptor = descriptor;
        this.id = descriptor.unsignedId();
        this.queue = new SendQueue(descriptor.sendQueueCapacity());
        this.payloadLimit = PacketCodec.payloadLimit(id, maxPayload);
    }

    /** True if a message is being sent or waits in the queue. */
    boolean hasPending() {
        return sending != null || !queue.isEmpty();
    }

    /**
     * Writes the next packet of this channel into {@code out}: the next piece of the current
     * message, taking a new message from the queue if needed. Returns the bytes written, or 0 if
     * there was nothing to send.
     */
    int writeNextPacket(ByteBuf out) {
        if (sending == null) {
            sending = queue.poll();
            sendingOffset = 0;
            if (sending == null) {
                return 0;
            }
        }
        int chunk = Math.min(payloadLimit, sending.length - sendingOffset);
        boolean eof = sendingOffset + chunk == sending.length;
        int written = PacketCodec.writePacketMsg(out, id, eof, sending, sendingOffset, chunk);
        sendingOffset += chunk;
        if (eof) {
            sending = null;
            messagesSent++;
        }
        recentlySent += written;
        bytesSent += written;
        return written;
    }

    /** Upper bound of the bytes the next {@link #writeNextPacket} call writes. */
    int maxPacketBytes() {
        return PacketCodec.delimitedSize(id, true, payloadLimit);
    }

    /**
     * Adds a packet's data to the message being reassembled (taking the array). Returns the
     * whole message when {@code eof} is set, else null. Pieces are kept as they came and joined
     * once at the end, so memory follows the message, not a buffer that grew for an earlier one.
     *
     * @throws MessageTooLargeException if the message would exceed the channel's capacity
     */
    byte[] receivePacket(byte[] data, boolean eof, int packetBytes) throws MessageTooLargeException {
        long total = (long) recvLen + data.length;
        if (total > descriptor.recvMessageCapacity()) {
            throw new MessageTooLargeException("message of at least " + total + " bytes over the channel "
                    + ChannelDescriptor.format(id) + " limit of " + descriptor.recvMessageCapacity() + " bytes");
        }
        bytesReceived += packetBytes;
        byte[] message;
        if (pieces == null && eof) {
            message = data; // the common single-packet message: no copy at all
        } else {
            if (pieces == null) {
                pieces = new ArrayList<>();
            }
            if (data.length > 0) {
                pieces.add(data);
            }
            recvLen = (int) total;
            if (!eof) {
                return null;
            }
            message = join(pieces, recvLen);
            pieces = null;
            recvLen = 0;
        }
        messagesReceived++;
        return message;
    }

    private static byte[] join(List<byte[]> pieces, int length) {
        if (pieces.size() == 1 && pieces.get(0).length == length) {
            return pieces.get(0);
        }
        byte[] message = new byte[length];
        int offset = 0;
        for (byte[] piece : pieces) {
            System.arraycopy(piece, 0, message, offset, piece.length);
            offset += piece.length;
        }
        return message;
    }

    /** Bytes held for a message being reassembled. */
    int reassemblyBytes() {
        return recvLen;
    }

    /** Drops what is being sent or reassembled; the connection is over. */
    void release() {
        sending = null;
        pieces = null;
        recvLen = 0;
        queue.close();
    }
}
