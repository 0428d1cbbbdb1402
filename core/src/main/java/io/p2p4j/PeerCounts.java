package io.p2p4j;

/**
 * How many peers a switch has.
 *
 * @param outbound peers we dialed (unconditional ones included)
 * @param inbound  peers that dialed us
 * @param dialing  dials in progress
 */
public record PeerCounts(int outbound, int inbound, int dialing) {}
