package io.p2p4j.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.identity.NodeKey;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SecureUpgradeTest {

    /** Notes how much the handshake had already written when this stage was added. */
    static final class NextStage extends ChannelInboundHandlerAdapter {
        int writtenBeforeAdded = -1;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            writtenBeforeAdded = ((EmbeddedChannel) ctx.channel()).outboundMessages().size();
        }
    }

    @Test
    void theNextStageIsInPlaceBeforeTheHandshakeStarts() {
        // Adding the handshake starts it; on a transport that reads at once (in-memory channels)
        // it can finish inside that call, and what the peer sent next must find its stage there.
        EmbeddedChannel channel = new EmbeddedChannel();
        NextStage next = new NextStage();
        SecureUpgrade.SECRET_CONNECTION.secure(channel, NodeKey.generate(), Duration.ofSeconds(3), next);
        // our ephemeral key pair is made on the crypto threads, and sent back on the channel's loop
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            channel.runPendingTasks();
            return !channel.outboundMessages().isEmpty();
        });
        assertThat(next.writtenBeforeAdded).isZero();
        assertThat(channel.outboundMessages()).hasSize(1); // the handshake's ephemeral key went out after
        assertThat(channel.pipeline().names()).containsSubsequence("secret-handshake", "nodeinfo");
        channel.finishAndReleaseAll();
    }
}
