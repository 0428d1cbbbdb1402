package io.p2p4j.conn;

import io.netty.buffer.ByteBuf;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnectionException.MessageTooLargeException;
import io.p2p4j.conn.MConnectionException.ReassemblyBudgetExceededException;
import java.util.Arrays;

/**
 * One channel of a connection: its send queue, the message being cut into packets, the
 * scheduler's recently-sent count, and the reassembly of incoming packets. Everything but the
 * queue and the counters is touched only on the connection's event loop.
 *
 * <p><b>Reassembly.</b> A single-packet message, the common case, is handed on as it came, with
 * no copy and nothing held. The packets of a longer one are copied into one buffer per channel
 * that starts at the descriptor's {@code recvBufferCapacity} (or the first piece, if larger) and
 * doubles as data arrives, never past the channel's {@code recvMessageCapacity} nor past what the
 * connection's {@link ReassemblyBudget} has left; both are checked before a piece is stored. Where
 * doubling would take more than half of what the budget has left beyond the need, the buffer
 * grows by that half only, so that one large message leaves room for the other channels. The
 * buffer costs at most twice the data, where keeping each packet's array cost about 32 bytes of
 * heap per byte of data in 1-byte packets. Doubling copies each byte about once more than joining
 * the packets at the end would, a price paid only by multi-packet messages. A whole message is
 * handed on as the buffer itself when it fills it exactly, else as a copy of its length; the
 * buffer is then kept for the next message only if it is no larger than
 * {@code recvBufferCapacity} (CometBFT keeps its buffer at its largest size), so after a large
 * message the channel holds at most that much, and nothing until its first multi-packet message.
 */
final class ChannelState {
    final ChannelDescriptor descriptor;
    final int id;
    final SendQueue queue;
    private final int payloadLimit;
    private final ReassemblyBudget budget;

    // Sending (event loop only).
    private byte[] sending;
    private int sendingOffset;
    /** Bytes written recently, decayed by the scheduler; the numerator of the priority ratio. */
    long recentlySent;

    // Receiving (event loop only): the multi-packet message so far, or a buffer kept for reuse.
    private byte[] recvBuffer;
    private int recvLen;

    // Counters: written on the event loop, read anywhere.
    volatile long bytesSent;
    volatile long messagesSent;
    volatile long bytesReceived;
    volatile long messagesReceived;
    /** The whole messages' bytes, without the packets' framing. */
    volatile long messageBytesReceived;

    ChannelState(ChannelDescriptor descriptor, int maxPayload, ReassemblyBudget budget) {
        this.descriptor = descriptor;
        this.id = descriptor.unsignedId();
        this.queue = new SendQueue(descriptor.sendQueueCapacity());
        this.payloadLimit = PacketCodec.payloadLimit(id, maxPayload);
        this.budget = budget;
    }

    /** A channel on its own, whose reassembly may hold up to its message capacity. */
    ChannelState(ChannelDescriptor descriptor, int maxPayload) {
        this(descriptor, maxPayload, ReassemblyBudget.of(descriptor));
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
     * Adds a packet's data to the message being reassembled. Returns the whole message when
     * {@code eof} is set, else null. A single-packet message is {@code data} itself.
     *
     * @throws MessageTooLargeException          if the message would exceed the channel's capacity
     * @throws ReassemblyBudgetExceededException if storing the data would take the connection's
     *                                           reassembly past its budget
     */
    byte[] receivePacket(byte[] data, boolean eof, int packetBytes) throws MConnectionException {
        long total = (long) recvLen + data.length;
        if (total > descriptor.recvMessageCapacity()) {
            throw new MessageTooLargeException("message of at least " + total + " bytes over the channel "
                    + ChannelDescriptor.format(id) + " limit of " + descriptor.recvMessageCapacity() + " bytes");
        }
        if (recvLen == 0 && eof) {
            bytesReceived += packetBytes;
            messagesReceived++;
            messageBytesReceived += data.length;
            return data; // the common single-packet message: no copy at all
        }
        if (data.length > 0) {
            ensureCapacity((int) total);
            System.arraycopy(data, 0, recvBuffer, recvLen, data.length);
            recvLen = (int) total;
        }
        bytesReceived += packetBytes;
        if (!eof) {
            return null;
        }
        byte[] message;
        if (recvBuffer.length == recvLen) {
            message = recvBuffer;
            dropBuffer();
        } else {
            message = Arrays.copyOf(recvBuffer, recvLen);
            if (recvBuffer.length > descriptor.recvBufferCapacity()) {
                dropBuffer();
            }
        }
        recvLen = 0;
        messagesReceived++;
        messageBytesReceived += message.length;
        return message;
    }

    /** Makes the buffer hold at least {@code needed} bytes, within the channel's capacity and the budget. */
    private void ensureCapacity(int needed) throws ReassemblyBudgetExceededException {
        if (recvBuffer != null && recvBuffer.length >= needed) {
            return;
        }
        if (recvLen == 0) {
            dropBuffer(); // a kept buffer too small for this message: nothing in it to copy
        }
        int capacity = recvBuffer == null ? 0 : recvBuffer.length;
        long wanted = Math.min(descriptor.recvMessageCapacity(),
                Math.max(needed, Math.max(2L * capacity, descriptor.recvBufferCapacity())));
        long available = budget.available(wanted - capacity);
        long need = needed - capacity;
        if (available < need) {
            throw new ReassemblyBudgetExceededException("reassembly budget of " + budget.limit()
                    + " bytes exceeded on channel " + ChannelDescriptor.format(id) + ": its message of " + needed
                    + " bytes so far needs " + need + " more bytes of buffer, and the connection's "
                    + "reassembly already holds " + budget.used() + " bytes");
        }
        // where the budget is tight, take what is needed and half of what is left, no more, so a
        // large message leaves room for the other channels' messages
        int grown = (int) Math.min(wanted, needed + (available - need) / 2);
        recvBuffer = recvBuffer == null ? new byte[grown] : Arrays.copyOf(recvBuffer, grown);
        budget.take(grown - capacity);
    }

    private void dropBuffer() {
        if (recvBuffer != null) {
            budget.giveBack(recvBuffer.length);
            recvBuffer = null;
        }
    }

    /** Drops the buffer if it is only kept for reuse, no message being in progress. */
    void dropIdleBuffer() {
        if (recvLen == 0) {
            dropBuffer();
        }
    }

    /** Bytes of heap held for reassembly: the buffer's capacity, whatever it holds. */
    int reassemblyBytes() {
        return recvBuffer == null ? 0 : recvBuffer.length;
    }

    /** Drops what is being sent or reassembled; the connection is over. */
    void release() {
        sending = null;
        dropBuffer();
        recvLen = 0;
        queue.close();
    }
}
