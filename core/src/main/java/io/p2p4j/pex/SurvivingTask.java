package io.p2p4j.pex;

import org.slf4j.Logger;

/**
 * A periodic task that outlives what its body throws. A {@link
 * java.util.concurrent.ScheduledExecutorService} never runs a task again once it has thrown, and
 * nobody reads the future it records the throwable in, so one failed round would silently end
 * peer exchange or the book's saving for good. Everything is logged and the schedule goes on,
 * except a {@link VirtualMachineError} (out of memory, stack overflow, internal error): after
 * logging it is rethrown, since a JVM in that state is not one to keep retrying in.
 *
 * @param what what the task does, for the log
 * @param log  where failures are logged
 * @param body one round
 */
record SurvivingTask(String what, Logger log, Runnable body) implements Runnable {
    @Override
    public void run() {
        try {
            body.run();
        } catch (VirtualMachineError e) {
            log.error("{} failed; the JVM is in trouble, so it will not run again", what, e);
            throw e;
        } catch (Throwable e) { // an Error from a library or an assertion must not end the schedule
            log.error("{} failed; it runs again next period", what, e);
        }
    }
}
