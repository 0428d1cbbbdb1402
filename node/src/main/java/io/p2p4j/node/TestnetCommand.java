package io.p2p4j.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code p2p4j testnet MANIFEST...}: runs each manifest in turn on this machine (as root: network
 * namespaces), writes each run's report (Markdown and PNG) and, for several manifests, a table
 * of them side by side.
 */
@Command(name = "testnet", mixinStandardHelpOptions = true,
        description = "Runs a testnet on this machine from a TOML manifest: a network namespace and a process per node, "
                + "shaped links, perturbations; reports as Markdown and PNG. Needs root.")
final class TestnetCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "MANIFEST", description = "TOML manifests (see testnet/ in the repository).")
    List<Path> manifests;

    @Option(names = "--out", description = "Folder for the reports, logs and node homes (default: target/testnet).")
    Path out = Path.of("target", "testnet");

    @Option(names = "--go-peer", description = "The go-peer binary for CometBFT nodes (default: built from interop/go-peer).")
    Path goPeer;

    @Override
    public Integer call() throws Exception {
        List<TestnetReport> reports = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        for (Path file : manifests) {
            TestnetManifest manifest = TestnetManifest.load(file);
            TestnetReport report = run(manifest, out.resolve(manifest.name()), goPeer);
            reports.add(report);
            all.append(report.markdown()).append('\n');
        }
        if (reports.size() > 1) {
            String table = TestnetReport.sideBySide(reports);
            Files.writeString(out.resolve("side-by-side.md"), table);
            System.out.println();
            System.out.println(table);
            System.out.println("side by side: " + out.resolve("side-by-side.md"));
        }
        return 0;
    }

    /** Runs one manifest into {@code dir}: report.md, report.png, testnet.log and each node's log and home. */
    static TestnetReport run(TestnetManifest manifest, Path dir, Path goPeer) throws Exception {
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Path binary = manifest.cometbft().isEmpty() ? null : goPeer != null ? goPeer : buildGoPeer();
        Testnet.Record record;
        try (Testnet net = new Testnet(manifest, dir, binary)) {
            record = net.run();
        }
        TestnetReport report = new TestnetReport(record);
        String markdown = report.markdown();
        Files.writeString(dir.resolve("report.md"), markdown);
        report.plot(dir.resolve("report.png"));
        System.out.println();
        System.out.println(markdown);
        System.out.println("report: " + dir.resolve("report.md") + ", plot: " + dir.resolve("report.png"));
        return report;
    }

    /** The repository holding the running classes (node/target/... is two levels below it). */
    static Path repository() {
        Path first = Path.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator)[0]).toAbsolutePath();
        for (Path p = first; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("interop/go-peer")) && Files.isDirectory(p.resolve("node"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository (interop/go-peer) above " + first + "; give --go-peer");
    }

    /** interop/target/go-peer/go-peer, built with {@code go build} when missing or older than its source. */
    static Path buildGoPeer() throws Exception {
        Path repo = repository();
        Path source = repo.resolve("interop/go-peer");
        Path binary = repo.resolve("interop/target/go-peer/go-peer");
        boolean fresh = Files.isRegularFile(binary);
        if (fresh) {
            try (var files = Files.list(source)) {
                long built = Files.getLastModifiedTime(binary).toMillis();
                for (Path f : files.toList()) {
                    fresh &= Files.getLastModifiedTime(f).toMillis() < built;
                }
            }
        }
        if (!fresh) {
            System.out.println("building go-peer (go build in interop/go-peer)...");
            Files.createDirectories(binary.getParent());
            Process p = new ProcessBuilder("go", "build", "-o", binary.toString(), ".").directory(source.toFile())
                    .inheritIO().start();
            if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("go build of interop/go-peer failed");
            }
        }
        return binary;
    }
}
