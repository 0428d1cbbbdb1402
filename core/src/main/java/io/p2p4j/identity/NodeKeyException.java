package io.p2p4j.identity;

import java.io.IOException;
import java.nio.file.Path;

/** A node key file could not be read or written: names the file and what is wrong. */
public final class NodeKeyException extends IOException {
    private static final long serialVersionUID = 1L;

    public NodeKeyException(Path file, String problem) {
        super("node key file " + file + ": " + problem);
    }

    public NodeKeyException(Path file, String problem, Throwable cause) {
        super("node key file " + file + ": " + problem, cause);
    }
}
