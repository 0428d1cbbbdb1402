package io.p2p4j;

/**
 * Puts a reactor on a switch without starting either, so that a test can drive the reactor's
 * callbacks by hand (fuzz targets do, with fake peers) while it still finds its switch.
 */
public final class ReactorAttachment {
    private ReactorAttachment() {}

    public static void attach(BaseReactor reactor, Switch sw) {
        reactor.attach(sw);
    }
}
