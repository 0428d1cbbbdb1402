package io.p2p4j.node;

import io.p2p4j.node.NodeConfig.ConfigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's hold on its home while it runs: the folders it writes are checked before it starts
 * (a book that cannot be saved is found then, not at the end), temporary files a crash left
 * behind in the middle of a save are removed, and {@code data/p2p4j.lock} is locked so that a
 * second node on the same home (same key, same book) is refused, as CometBFT's databases refuse a
 * second process.
 */
final class HomeLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HomeLock.class);
    static final String LOCK_FILE = "data/p2p4j.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private HomeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Checks that the data folder and the address book's folder can be written, removes the
     * book's stale temporary files and locks the home.
     *
     * @throws ConfigException in one line: which folder cannot be written and why, or that another node holds the home
     */
    static HomeLock acquire(Path home, Path bookFile) throws ConfigException {
        checkWritable(home.resolve("data"), "the node's data");
        checkWritable(bookFile.toAbsolutePath().getParent(), "the address book " + bookFile.getFileName());
        removeStaleTemporaryFiles(bookFile);
        Path file = home.resolve(LOCK_FILE);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                lock = null;
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).strip();
                channel.close();
                throw new ConfigException(home + " is in use by another node" + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + ": " + file + " is locked; one home serves one node");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)));
            return new HomeLock(channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new ConfigException(file + ": cannot lock the home: " + Main.describe(e));
        }
    }

    /** Makes the folder if needed and writes and removes a file there, which is what saving will do. */
    private static void checkWritable(Path folder, String what) throws ConfigException {
        try {
            Files.createDirectories(folder);
            Files.delete(Files.createTempFile(folder, ".p2p4j-write-check", ".tmp"));
        } catch (IOException e) {
            throw new ConfigException(folder + ": cannot write there, where " + what + " is saved: " + Main.describe(e));
        }
    }

    /** The temporary files a save writes before its rename ({@code .addrbook.json*.tmp}); left over, they are a crash's. */
    private static void removeStaleTemporaryFiles(Path bookFile) {
        Path folder = bookFile.toAbsolutePath().getParent();
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(folder, "." + bookFile.getFileName() + "*.tmp")) {
            for (Path f : stale) {
                Files.deleteIfExists(f);
                log.info("removed {}, left by a save that did not finish", f);
            }
        } catch (IOException e) {
            log.warn("cannot remove the temporary files of unfinished saves in {}: {}", folder, Main.describe(e));
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    /** Releases the home for the next node. */
    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            log.warn("releasing {} failed: {}", LOCK_FILE, Main.describe(e));
        }
    }
}
