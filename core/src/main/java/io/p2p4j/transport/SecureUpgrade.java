package io.p2p4j.transport;

import io.netty.channel.Channel;
import io.p2p4j.crypto.Ed25519Signer;
import io.p2p4j.secret.SecretConnectionHandshake;
import io.p2p4j.secret.SecretConnectionInfo;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Puts a SecretConnection into a channel's pipeline; completes with the peer's authenticated key. */
@FunctionalInterface
interface SecureUpgrade {
    CompletableFuture<byte[]> secure(Channel channel, Ed25519Signer key, Duration stageTimeout);

    SecureUpgrade SECRET_CONNECTION = (channel, key, timeout) ->
            SecretConnectionHandshake.secure(channel, key, timeout).thenApply(SecretConnectionInfo::remotePublicKey);
}
