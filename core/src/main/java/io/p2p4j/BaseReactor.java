package io.p2p4j;

import java.util.Objects;

/**
 * A {@link Reactor} with empty lifecycle methods and access to the switch it runs on, which is
 * set when the reactor is added to a switch.
 */
public abstract class BaseReactor implements Reactor {
    private volatile Switch sw;

    /** The switch this reactor was added to. @throws IllegalStateException before that */
    protected Switch sw() {
        Switch current = sw;
        if (current == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " is not on a switch yet");
        }
        return current;
    }

    /** Called by the switch when the reactor is registered; not for users. */
    void attach(Switch owner) {
        this.sw = Objects.requireNonNull(owner, "owner");
    }

    /** Called when the switch starts, before it accepts or dials peers. */
    protected void onStart() { }

    /** Called when the switch stops, after every peer is gone. */
    protected void onStop() { }
}
