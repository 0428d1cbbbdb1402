package io.p2p4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class CompletionCauseTest {
    @Test
    void findsTheFailureUnderTheWrappersOfFutures() {
        IOException failure = new IOException("refused");
        CompletableFuture<Void> failed = CompletableFuture.failedFuture(failure);
        Throwable fromJoin = catchFrom(failed::join);
        Throwable fromGet = catchFrom(() -> {
            try {
                failed.thenApply(v -> v).get();
            } catch (InterruptedException | ExecutionException e) {
                throw new CompletionException(e); // a get inside a stage: both wrappers
            }
        });
        assertThat(fromJoin).isInstanceOf(CompletionException.class);
        assertThat(CompletionCause.of(fromJoin)).isSameAs(failure);
        assertThat(CompletionCause.of(fromGet)).isSameAs(failure);
        assertThat(CompletionCause.of(new ExecutionException(failure))).isSameAs(failure);
    }

    @Test
    void leavesOtherErrorsAndWrappersWithoutACauseAlone() {
        IllegalStateException plain = new IllegalStateException("x", new IOException("inner"));
        assertThat(CompletionCause.of(plain)).isSameAs(plain);
        CompletionException empty = new CompletionException("no cause", null);
        assertThat(CompletionCause.of(empty)).isSameAs(empty);
    }

    private static Throwable catchFrom(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("nothing thrown");
    }
}
