/**
 * p2p4j: the Tendermint/CometBFT v0.38 peer-to-peer layer.
 *
 * <p>The exported packages are the API, and their public surface is checked against
 * {@code core/api/p2p4j-core.api} by the build ({@code ApiSurfaceTest}): the switch, peers and
 * reactors ({@code io.p2p4j}), node identity and addresses ({@code io.p2p4j.identity}), the
 * network-facing values ({@code io.p2p4j.net}), the multiplexed connection and its settings
 * ({@code io.p2p4j.conn}) and peer exchange ({@code io.p2p4j.pex}). Everything else (crypto,
 * the SecretConnection, the transport, file helpers, the generated protobuf classes) is
 * internal: public only where another package of this module needs it, free to change.
 */
@SuppressWarnings("requires-automatic") // protobuf-java: a stable Automatic-Module-Name, no descriptor
module io.p2p4j {
    // Netty types appear in the API: MConnection.builder(Channel), Switch.Builder.eventLoops(EventLoopGroup).
    requires transitive io.netty.transport;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.common;
    requires com.google.protobuf;
    requires org.bouncycastle.provider;
    requires org.slf4j;
    requires com.fasterxml.jackson.databind;
    // FrameCipher asks the VM whether Poly1305 is an intrinsic (HotSpotDiagnosticMXBean)
    requires jdk.management;

    exports io.p2p4j;
    exports io.p2p4j.identity;
    exports io.p2p4j.net;
    exports io.p2p4j.conn;
    exports io.p2p4j.pex;

    // generated messages: protobuf reads their fields reflectively
    opens io.p2p4j.proto to com.google.protobuf;
}
