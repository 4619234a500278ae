package io.restage.stack.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A second kind of S3 server for the tests that need bucket versioning, which S3Proxy does not implement (it answers
 * 501): Adobe's S3Mock (a Spring Boot server from Maven Central, {@code com.adobe.testing:s3mock:<v>:exec}), run as a
 * process on free ports with its objects under a directory. A module that wants it copies the jar in its build and
 * names it in the system property {@value #JAR_PROPERTY}; without it the tests that need versioning cannot run.
 * S3Mock does not check request signatures: use it for what S3Proxy lacks, never for a test of credentials.
 */
public final class VersionedS3 implements AutoCloseable {
    public static final String JAR_PROPERTY = "restage.test.versioned-s3-jar";
    private static final Pattern STARTED = Pattern.compile("Tomcat started on ports? (\\d+) \\(https\\), (\\d+) \\(http\\)");

    private final Process process;
    private final int port;

    private VersionedS3(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The jar named by {@value #JAR_PROPERTY}, if the module's build provided it. */
    public static Optional<Path> jar() {
        String p = System.getProperty(JAR_PROPERTY);
        return p == null || p.isBlank() || !Files.isRegularFile(Path.of(p)) ? Optional.empty() : Optional.of(Path.of(p));
    }

    /** Starts the server with {@code buckets} created (not versioned: a test enables versioning as a user would). */
    public static VersionedS3 start(Path jar, Path dir, List<String> buckets, Duration timeout) throws IOException {
        Files.createDirectories(dir.resolve("store"));
        Path log = dir.resolve("s3mock.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                "--http.port=0", "--server.port=0",
                "--com.adobe.testing.s3mock.store.root=" + dir.resolve("store"),
                "--com.adobe.testing.s3mock.store.initial-buckets=" + String.join(",", buckets),
                "--spring.main.banner-mode=off", "--logging.level.root=WARN",
                "--logging.level.org.springframework.boot.tomcat=INFO"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                Matcher m = STARTED.matcher(Files.exists(log) ? Files.readString(log) : "");
                if (m.find()) {
                    return new VersionedS3(p, Integer.parseInt(m.group(2)));
                }
                if (!p.isAlive()) {
                    throw new IOException("S3Mock exited with code " + p.exitValue() + " before it listened; see " + log);
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("S3Mock did not listen within " + timeout + "; see " + log);
                }
                p.waitFor(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while S3Mock started", e);
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
