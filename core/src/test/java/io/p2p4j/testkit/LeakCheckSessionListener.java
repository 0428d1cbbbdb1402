package io.p2p4j.testkit;

import java.util.List;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Last line of defence for engines without Jupiter extensions (jqwik): a leak reported by the
 * end of the test session ends the test JVM with a non-zero status, which fails the build.
 */
public final class LeakCheckSessionListener implements LauncherSessionListener {

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        List<String> leaks = NettyLeakCheck.collectLeaks();
        if (!leaks.isEmpty()) {
            System.err.println(leaks.size() + " Netty buffer leak(s) at the end of the test run:");
            leaks.forEach(System.err::println);
            System.err.flush();
            Runtime.getRuntime().halt(13);
        }
    }
}
