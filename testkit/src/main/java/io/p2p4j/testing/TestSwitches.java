package io.p2p4j.testing;

import io.p2p4j.Switch;

/**
 * A JUnit 5 extension that owns the switches a test starts: each is closed after the test,
 * whether it passed or not, and so is anything else handed to {@link #closeAfterTest}. The tests
 * of a class share its {@link #eventLoops()}, for switches built with
 * {@code Switch.Builder.eventLoops} or for raw peers of their own.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TestSwitches switches = new TestSwitches();
 *
 * @Test
 * void chat() {
 *     Switch a = switches.start(Switch.builder(NodeKey.generate(), ConnectedSwitches.testConfig())
 *             .reactor("chat", new ChatReactor()));
 *     ... // no cleanup: a is closed after the test
 * }
 * }</pre>
 *
 * On a static field the tests of the class share the event loops, which stop after its last
 * test, and run one at a time (JUnit's default); on an instance field each test has a fixture of
 * its own, for tests that run concurrently. Thread-safe.
 */
public final class TestSwitches extends TestFixture {

    /**
     * Builds the switch, starts it, and closes it after the running test (also when starting it
     * fails). Blocking while the switch starts to listen.
     *
     * @return the started switch
     */
    public Switch start(Switch.Builder builder) {
        Switch sw = closeAfterTest(builder.build());
        sw.start();
        return sw;
    }
}
