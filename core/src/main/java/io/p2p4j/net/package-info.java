/**
 * The network-facing values a switch's users configure and observe: what carries connections
 * ({@link io.p2p4j.net.TransportKind}), which remote addresses may connect
 * ({@link io.p2p4j.net.ConnectionFilter}), faults injected for testing
 * ({@link io.p2p4j.net.FaultInjection}), and why a connection was refused
 * ({@link io.p2p4j.net.HandshakeException}). A leaf beside {@code io.p2p4j.identity}: the
 * transport below and the switch above both use it, and it imports neither.
 */
package io.p2p4j.net;
