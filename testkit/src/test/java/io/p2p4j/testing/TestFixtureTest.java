package io.p2p4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.netty.channel.EventLoopGroup;
import io.p2p4j.Switch;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeKey;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The test kit's JUnit 5 extensions close what a test opened after it, also when it fails, and
 * stop the event loops after the class. Each case runs a scenario class (below, meant to fail in
 * places) through the JUnit launcher and looks at what it left open.
 */
class TestFixtureTest {
    static final List<Object> seen = new CopyOnWriteArrayList<>();

    private static TestExecutionSummary run(Class<?> scenario) {
        seen.clear();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(scenario)).build(), listener);
        return listener.getSummary();
    }

    @Test
    void connectionsOfAFailedTestAreClosedAfterItAndTheSharedEventLoopsAfterTheClass() {
        TestExecutionSummary summary = run(ConnectionsScenario.class);
        assertThat(summary.getTestsFailedCount()).isEqualTo(1);
        assertThat(summary.getFailures().get(0).getException()).hasMessage("fails on purpose");
        assertThat(summary.getTestsSucceededCount()).as("the second test's checks").isEqualTo(1);
        LoopbackConnection pair = (LoopbackConnection) seen.get(0);
        assertThat(pair.client().isOpen()).isFalse();
        assertThat(pair.server().isOpen()).isFalse();
        assertThat(((EventLoopGroup) seen.get(1)).isTerminated()).isTrue();
    }

    @Test
    void aSwitchOfAFailedTestIsClosedAndEverythingIsClosedNewestFirstThoughOneCloseFails() throws Exception {
        TestExecutionSummary summary = run(SwitchesScenario.class);
        assertThat(summary.getTestsFailedCount()).isEqualTo(1);
        Throwable failure = summary.getFailures().get(0).getException();
        assertThat(failure).hasMessage("fails on purpose");
        assertThat(failure.getSuppressed()).singleElement().satisfies(e -> assertThat(e).hasMessage("second fails to close"));
        assertThat(seen).containsExactly("started", "third closed", "second closed", "first closed");
        NetAddress address = SwitchesScenario.started.listenAddress();
        assertThatThrownBy(() -> new Socket(address.host(), address.port()).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void onAnInstanceFieldEachTestHasEventLoopsOfItsOwn() {
        TestExecutionSummary summary = run(InstanceFieldScenario.class);
        assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
        assertThat(((EventLoopGroup) seen.get(0)).isTerminated()).isTrue();
    }

    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class ConnectionsScenario {
        @RegisterExtension
        static final LoopbackConnections loopback = new LoopbackConnections();

        @Test
        @Order(1)
        void opensAConnectionAndFails() {
            seen.add(loopback.connect());
            seen.add(loopback.eventLoops());
            fail("fails on purpose");
        }

        @Test
        @Order(2)
        void findsItClosedAndTheEventLoopsStillRunning() {
            LoopbackConnection pair = (LoopbackConnection) seen.get(0);
            assertThat(pair.client().isOpen()).isFalse();
            assertThat(pair.server().isOpen()).isFalse();
            assertThat(loopback.eventLoops()).isSameAs(seen.get(1));
            assertThat(loopback.eventLoops().isShuttingDown()).isFalse();
        }
    }

    static class SwitchesScenario {
        @RegisterExtension
        static final TestSwitches switches = new TestSwitches();
        static Switch started;

        @Test
        void startsASwitchAndFails() {
            started = switches.start(Switch.builder(NodeKey.generate(), ConnectedSwitches.testConfig())
                    .reactor("chat", new ReadmeExampleTest.ChatReactor()));
            seen.add("started");
            switches.closeAfterTest(() -> seen.add("first closed"));
            switches.closeAfterTest(() -> {
                seen.add("second closed");
                throw new IOException("second fails to close");
            });
            switches.closeAfterTest(() -> seen.add("third closed"));
            fail("fails on purpose");
        }
    }

    static class InstanceFieldScenario {
        @RegisterExtension
        final LoopbackConnections loopback = new LoopbackConnections();

        @Test
        void usesTheEventLoops() {
            seen.add(loopback.eventLoops());
            loopback.connect();
        }
    }
}
