package io.p2p4j.conn;

import io.netty.buffer.ByteBuf;
import io.p2p4j.conn.MConnectionException.MessageTooLargeException;
import io.p2p4j.conn.MConnectionException.ReassemblyBudgetExceededException;
import java.util.Arrays;

/**
 * One channel of a connection: its send queue, the message being cut into packets, the
 * scheduler's recently-sent count, and the reassembly of incoming packets. Everything but the
 * queue and the counters is touched only on the connection's event loop.
 *
 * <p><b>Reassembly.</b> A single-packet message, the common case, is handed on with no
 * reassembly at all: its data is copied once, out of the read buffer into an array of its size. The packets of a longer one are copied, as
 * they arrive and straight out of the read buffer, into blocks of a fixed size appended one after
 * the other: the descriptor's {@code recvBufferCapacity}, kept between {@value #MIN_BLOCK_BYTES}
 * and {@value #MAX_BLOCK_BYTES} bytes. Every block but the last is full, so a message in progress
 * holds its data plus less than one block (and per block its 16-byte array header and a slot
 * in the list of blocks: 0.6 % at the default 4 KiB, 2 % at the smallest), never more than the channel's
 * {@code recvMessageCapacity} in all. Before a piece is stored, its size is checked against the
 * channel's capacity and what it needs against what the connection's {@link ReassemblyBudget}
 * has left; the budget counts the blocks' capacity, the heap they really take. Data is copied
 * once into the blocks and once into the delivered array of the message's exact size; no byte is
 * copied twice on the way in, as it was when one buffer doubled (a doubling buffer also held up
 * to twice the data). A message that fills its only block exactly is handed on as that block.
 * After a message that fitted in one block the channel keeps that block for the next one, if it
 * is no larger than {@code recvBufferCapacity}; after a larger message it keeps nothing (CometBFT
 * keeps its buffer at its largest size). So a channel holds nothing until its first multi-packet
 * message and at most one block of at most {@code recvBufferCapacity} between messages, and a
 * kept block gives way when another channel needs the room in the budget.
 */
final class ChannelState {
    /** Largest reassembly block: a channel's message in progress holds less than one beyond its data. */
    static final int MAX_BLOCK_BYTES = 16 * 1024;
    /** Smallest reassembly block, whatever {@code recvBufferCapacity} says: one default packet's data. */
    static final int MIN_BLOCK_BYTES = 1024;
    private static final byte[][] NO_BLOCKS = new byte[0][];

    final ChannelDescriptor descriptor;
    final int id;
    final SendQueue queue;
    private final int payloadLimit;
    private final ReassemblyBudget budget;
    private final int blockSize;

    // Sending (event loop only).
    private byte[] sending;
    private int sendingOffset;
    /** Bytes written recently, decayed by the scheduler; the numerator of the priority ratio. */
    long recentlySent;

    // Receiving (event loop only): the blocks of the multi-packet message so far, or a block kept for reuse.
    private byte[][] blocks = NO_BLOCKS;
    private int blockCount;
    /** Bytes in the last block. */
    private int lastFill;
    /** Bytes of the message so far. */
    private int recvLen;
    /** Capacity of the blocks: what this channel has taken from the budget. */
    private long held;

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
        this.queue = new SendQueue(descriptor.sendQueueCapacity(), descriptor.sendQueueBytes());
        this.payloadLimit = PacketCodec.payloadLimit(id, maxPayload);
        this.budget = budget;
        this.blockSize = blockSize(descriptor);
    }

    /** A channel on its own, whose reassembly may hold up to its message capacity. */
    ChannelState(ChannelDescriptor descriptor, int maxPayload) {
        this(descriptor, maxPayload, ReassemblyBudget.of(descriptor));
    }

    /** The size of this channel's reassembly blocks (the last one of a message may be smaller). */
    static int blockSize(ChannelDescriptor descriptor) {
        return Math.max(MIN_BLOCK_BYTES, Math.min(MAX_BLOCK_BYTES, descriptor.recvBufferCapacity()));
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
     * Adds a packet's data, {@code length} bytes of {@code in} from {@code index} (read during
     * this call only), to the message being reassembled. Returns the whole message when
     * {@code eof} is set, else null.
     *
     * @throws MessageTooLargeException          if the message would exceed the channel's capacity
     * @throws ReassemblyBudgetExceededException if storing the data would take the connection's
     *                                           reassembly past its budget
     */
    byte[] receivePacket(ByteBuf in, int index, int length, boolean eof, int packetBytes) throws MConnectionException {
        checkCapacity(length);
        if (recvLen == 0 && eof) {
            byte[] message = new byte[length]; // the common single-packet message: its one copy
            in.getBytes(index, message);
            bytesReceived += packetBytes;
            messagesReceived++;
            messageBytesReceived += length;
            return message;
        }
        return store(in, index, length, eof, packetBytes);
    }

    private void checkCapacity(int length) throws MessageTooLargeException {
        long total = (long) recvLen + length;
        if (total > descriptor.recvMessageCapacity()) {
            throw new MessageTooLargeException("message of at least " + total + " bytes over the channel "
                    + ChannelDescriptor.format(id) + " limit of " + descriptor.recvMessageCapacity() + " bytes");
        }
    }

    private byte[] store(ByteBuf in, int index, int length, boolean eof, int packetBytes)
            throws ReassemblyBudgetExceededException {
        if (length > 0) {
            reserve(recvLen + length);
            append(in, index, length);
        }
        bytesReceived += packetBytes;
        if (!eof) {
            return null;
        }
        byte[] message = join();
        messagesReceived++;
        messageBytesReceived += message.length;
        return message;
    }

    /**
     * Checks that the blocks can grow to hold {@code total} bytes within the budget, before
     * anything of the piece is stored; blocks other channels keep for reuse give way first.
     */
    private void reserve(int total) throws ReassemblyBudgetExceededException {
        if (total <= held) {
            return;
        }
        long available = budget.available(total - held);
        long need = total - held; // again: a block this channel kept, with no message in progress, may be gone
        if (available < need) {
            throw new ReassemblyBudgetExceededException("reassembly budget of " + budget.limit()
                    + " bytes exceeded on channel " + ChannelDescriptor.format(id) + ": its message of " + total
                    + " bytes so far needs " + need + " more bytes of buffer, and the connection's "
                    + "reassembly already holds " + budget.used() + " bytes");
        }
    }

    /** Copies the piece into the blocks, adding blocks as they fill; {@link #reserve} made room. */
    private void append(ByteBuf in, int index, int length) {
        while (length > 0) {
            if (blockCount == 0 || lastFill == blocks[blockCount - 1].length) {
                addBlock();
            }
            byte[] block = blocks[blockCount - 1];
            int n = Math.min(length, block.length - lastFill);
            in.getBytes(index, block, lastFill, n);
            lastFill += n;
            recvLen += n;
            index += n;
            length -= n;
        }
    }

    /**
     * Adds a block of the channel's block size, no larger than what is left of the channel's
     * capacity nor than what is left of the budget. Both are at least the bytes of the piece
     * still to store: the message fits the capacity, {@link #reserve} found the room, and the
     * blocks so far are full.
     */
    private void addBlock() {
        long size = Math.min(blockSize, descriptor.recvMessageCapacity() - held);
        size = Math.min(size, budget.available(size));
        if (blockCount == blocks.length) {
            blocks = Arrays.copyOf(blocks, Math.max(4, 2 * blocks.length));
        }
        blocks[blockCount++] = new byte[(int) size];
        lastFill = 0;
        held += size;
        budget.take(size);
    }

    /**
     * The whole message, of its exact size. The blocks are given back, but for a message that
     * fitted in its first block: that block is kept for the next message if it is no larger than
     * {@code recvBufferCapacity}.
     */
    private byte[] join() {
        byte[] message;
        if (blockCount == 1 && blocks[0].length == recvLen) {
            message = blocks[0]; // the message fills its only block: handed on as it is
            dropBlocks();
        } else {
            message = new byte[recvLen];
            int offset = 0;
            for (int i = 0; i < blockCount; i++) {
                int n = i == blockCount - 1 ? lastFill : blocks[i].length;
                System.arraycopy(blocks[i], 0, message, offset, n);
                offset += n;
            }
            if (blockCount == 1 && blocks[0].length <= descriptor.recvBufferCapacity()) {
                lastFill = 0; // kept for reuse
            } else {
                dropBlocks();
            }
        }
        recvLen = 0;
        return message;
    }

    private void dropBlocks() {
        if (held > 0) {
            budget.giveBack(held);
        }
        blocks = NO_BLOCKS;
        blockCount = 0;
        lastFill = 0;
        held = 0;
    }

    /** Drops the block kept for reuse, if no message is in progress. */
    void dropIdleBuffer() {
        if (recvLen == 0) {
            dropBlocks();
        }
    }

    /** Bytes of heap held for reassembly: the blocks' capacity, whatever they hold. */
    long reassemblyBytes() {
        return held;
    }

    /** Drops what is being sent or reassembled; the connection is over. */
    void release() {
        sending = null;
        dropBlocks();
        recvLen = 0;
        queue.close();
    }
}
