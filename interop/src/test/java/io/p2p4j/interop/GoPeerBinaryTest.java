package io.p2p4j.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The build step of go-peer, without Go: the up-to-date check and the bounded command run. */
class GoPeerBinaryTest {
    @TempDir
    Path dir;

    private static void setTime(Path path, Instant time) throws Exception {
        Files.setLastModifiedTime(path, FileTime.from(time));
    }

    @Test
    void aBinaryNewerThanEverySourceFileAndFolderIsUpToDate() throws Exception {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        Path source = Files.createDirectories(dir.resolve("go-peer"));
        Path sub = Files.createDirectories(source.resolve("sub"));
        Path main = Files.writeString(source.resolve("main.go"), "package main");
        Path nested = Files.writeString(sub.resolve("x.go"), "package sub");
        Path binary = dir.resolve("go-peer-binary");
        assertThat(GoPeerBinary.upToDate(binary, source)).as("no binary yet").isFalse();

        Files.writeString(binary, "binary");
        for (Path p : List.of(main, nested, sub, source)) {
            setTime(p, t0);
        }
        setTime(binary, t0.plusSeconds(60));
        assertThat(GoPeerBinary.upToDate(binary, source)).isTrue();

        setTime(nested, t0.plusSeconds(120));
        assertThat(GoPeerBinary.upToDate(binary, source)).as("a nested file changed after the build").isFalse();
        setTime(nested, t0);
        setTime(sub, t0.plusSeconds(120));
        assertThat(GoPeerBinary.upToDate(binary, source)).as("a file was added or deleted after the build").isFalse();
        setTime(sub, t0);
        setTime(main, t0.plusSeconds(60));
        assertThat(GoPeerBinary.upToDate(binary, source)).as("same time as the build: not provably older").isFalse();
    }

    @Test
    void aCommandThatCannotStartSaysSo() {
        assertThatThrownBy(() -> GoPeerBinary.run(List.of("no-such-command-p2p4j"), dir, Duration.ofSeconds(30)))
                .isInstanceOf(GoPeerBinary.BuildException.class).hasMessageContaining("cannot be started");
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    @Timeout(120)
    void aFailingCommandReportsItsExitAndTheEndOfItsOutputEvenWhenItPrintsMoreThanAPipeHolds() {
        // 1 MB of output would fill a pipe nobody reads and hang the command
        String script = "head -c 1000000 /dev/zero | tr '\\0' x; echo; echo the-last-words; exit 3";
        assertThatThrownBy(() -> GoPeerBinary.run(List.of("sh", "-c", script), dir, Duration.ofSeconds(60)))
                .isInstanceOf(GoPeerBinary.BuildException.class)
                .hasMessageContaining("exit 3").hasMessageContaining("the-last-words")
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(20_000));
    }

    @Test
    @EnabledOnOs(OS.LINUX) // reads /proc to tell a killed, not yet reaped child from a live one
    @Timeout(120)
    void aCommandOverItsTimeLimitIsKilledWithTheProcessesItStarted() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        String script = "sleep 600 & echo $! > " + pidFile + "; wait";
        assertThatThrownBy(() -> GoPeerBinary.run(List.of("sh", "-c", script), dir, Duration.ofSeconds(2)))
                .isInstanceOf(GoPeerBinary.BuildException.class).hasMessageContaining("did not finish within");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
        long child = Long.parseLong(Files.readString(pidFile).trim());
        await().atMost(Duration.ofSeconds(30)).pollInterval(100, TimeUnit.MILLISECONDS)
                .until(() -> gone(child));
    }

    /** Ended: no such process, or a zombie waiting for whoever adopted it to reap it. */
    private static boolean gone(long pid) throws Exception {
        if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
            return true;
        }
        String text;
        try {
            text = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        } catch (NoSuchFileException e) {
            return true;
        }
        return text.substring(text.lastIndexOf(')') + 1).trim().startsWith("Z");
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void aSucceedingCommandReturnsItsOutput() throws Exception {
        assertThat(GoPeerBinary.run(List.of("sh", "-c", "echo hello"), dir, Duration.ofSeconds(60))).isEqualTo("hello\n");
    }
}
