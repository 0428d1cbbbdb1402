package io.p2p4j.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.p2p4j.identity.Ed25519Signer;
import io.p2p4j.secret.SecretConnectionHandshake;
import io.p2p4j.secret.SecretConnectionInfo;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Puts a SecretConnection into a channel's pipeline, with the next stage behind it from the
 * start (so no early byte is lost); completes with the peer's authenticated key.
 */
@FunctionalInterface
interface SecureUpgrade {
    CompletableFuture<byte[]> secure(Channel channel, Ed25519Signer key, Duration stageTimeout,
            ChannelHandler nextStage);

    SecureUpgrade SECRET_CONNECTION = (channel, key, timeout, nextStage) -> {
        SecretConnectionHandshake handshake = new SecretConnectionHandshake(key, timeout);
        // the next stage goes in first: adding the handshake starts it, and a transport that
        // reads at once (in-memory channels do) can finish it before a later addLast runs
        channel.eventLoop().execute(() -> channel.pipeline()
                .addLast("nodeinfo", nextStage)
                .addBefore("nodeinfo", "secret-handshake", handshake));
        return handshake.result().thenApply(SecretConnectionInfo::remotePublicKey);
    };
}
