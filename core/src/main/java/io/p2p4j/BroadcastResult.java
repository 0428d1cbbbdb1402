package io.p2p4j;

import java.util.List;

/**
 * What {@link Switch#broadcast} did with one message, peer by peer. Peers that did not advertise
 * the channel are in neither list.
 *
 * @param queued  peers the message was queued for; each gets it in broadcast order unless the
 *                peer stops, or its connection refuses it after waiting the send timeout
 * @param dropped peers whose broadcast queue was full (or that were stopping): they will never get
 *                this message from this call
 */
public record BroadcastResult(List<Peer> queued, List<Peer> dropped) {
    public BroadcastResult {
        queued = List.copyOf(queued);
        dropped = List.copyOf(dropped);
    }

    /** True if no peer's copy was dropped. */
    public boolean reachedAll() {
        return dropped.isEmpty();
    }
}
