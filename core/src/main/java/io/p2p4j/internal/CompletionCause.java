package io.p2p4j.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The failure behind the wrappers that futures put around it: {@link CompletionException} from
 * {@code join} and from the stages of a {@code CompletableFuture} chain, {@link ExecutionException}
 * from {@code get}. Not part of the public API.
 */
public final class CompletionCause {
    private CompletionCause() {}

    /**
     * The cause under any number of those wrappers; {@code error} itself when it is none of them,
     * and the innermost wrapper when it has no cause.
     */
    public static Throwable of(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
