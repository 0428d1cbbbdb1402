package io.p2p4j.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.p2p4j.crypto.Ed25519Signer;
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
        channel.eventLoop().execute(() -> channel.pipeline()
                .addLast("secret-handshake", handshake)
                .addLast("nodeinfo", nextStage));
        return handshake.result().thenApply(SecretConnectionInfo::remotePublicKey);
    };
}
