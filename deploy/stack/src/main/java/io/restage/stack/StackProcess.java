package io.restage.stack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Starts {@link StackMain} in a child JVM and waits until it is ready. Uses only the JDK, so tests and the
 * launcher can depend on this class without the broker's, PostgreSQL's and S3Proxy's libraries.
 */
public final class StackProcess implements AutoCloseable {
    /** The read-only database role (pg_read_all_data, nothing else) the embedded sources are read as. */
    public static final String READER = "restage_reader";

    private final Process process;
    private final Properties props;
    private final Path dir;

    private StackProcess(Process process, Properties props, Path dir) {
        this.process = process;
        this.props = props;
        this.dir = dir;
    }

    public static StackProcess start(Path dir, List<String> databases, List<String> buckets, Duration timeout)
            throws IOException {
        Files.createDirectories(dir);
        Path ready = dir.resolve("stack.properties");
        Files.deleteIfExists(ready);
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.add("-Xmx512m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        // the parent's choice of servers (-Drestage.stack= or RESTAGE_STACK), for the child's StackKind
        cmd.add("-Drestage.stack=" + StackKind.requested());
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add(StackMain.class.getName());
        cmd.add(dir.toString());
        cmd.add("--databases");
        cmd.add(String.join(",", databases) + ",");
        cmd.add("--buckets");
        cmd.add(String.join(",", buckets) + ",");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stack.log").toFile())
                .start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(ready)) {
            if (!p.isAlive()) {
                throw new IOException("the embedded stack exited with code " + p.exitValue() + " before it was ready; see "
                        + dir.resolve("stack.log") + ":\n" + tail(dir.resolve("stack.log")));
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("the embedded stack was not ready within " + timeout + "; see " + dir.resolve("stack.log"));
            }
            try {
                p.waitFor(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException("interrupted while waiting for the stack", e);
            }
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(ready)) {
            props.load(in);
        }
        StackProcess stack = new StackProcess(p, props, dir);
        Runtime.getRuntime().addShutdownHook(new Thread(stack::close));
        return stack;
    }

    public String kafkaBootstrap() {
        return props.getProperty("kafka.bootstrap");
    }

    /** The JAAS line of the stack's Kafka user (SASL/PLAIN). */
    public String kafkaJaasConfig() {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + props.getProperty("kafka.username")
                + "\" password=\"" + props.getProperty("kafka.password") + "\";";
    }

    /** Everything a Kafka client needs to reach the embedded broker: bootstrap servers and SASL settings. */
    public Properties kafkaClientProperties() {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", kafkaBootstrap());
        p.setProperty("security.protocol", props.getProperty("kafka.security.protocol"));
        p.setProperty("sasl.mechanism", props.getProperty("kafka.sasl.mechanism"));
        p.setProperty("sasl.jaas.config", kafkaJaasConfig());
        return p;
    }

    /** The same settings as the services read them: {@code KAFKA_*} environment variables. */
    public java.util.Map<String, String> kafkaEnvironment() {
        return java.util.Map.of("KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrap(),
                "KAFKA_SECURITY_PROTOCOL", props.getProperty("kafka.security.protocol"),
                "KAFKA_SASL_MECHANISM", props.getProperty("kafka.sasl.mechanism"),
                "KAFKA_SASL_JAAS_CONFIG", kafkaJaasConfig());
    }

    public int postgresPort() {
        return Integer.parseInt(props.getProperty("postgres.port"));
    }

    /** JDBC URL of a database on the embedded server (user postgres, trust authentication). */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + postgresHost() + ":" + postgresPort() + "/" + database;
    }

    /** The PostgreSQL server's host: 127.0.0.1 for the embedded stack, the Docker host for containers. */
    public String postgresHost() {
        return props.getProperty("postgres.host", "127.0.0.1");
    }

    /** Which servers run: {@code embedded} or {@code containers} (see {@link StackKind}). */
    public String kind() {
        return props.getProperty("stack.kind", "embedded");
    }

    public String s3Endpoint() {
        return props.getProperty("s3.endpoint");
    }

    public String s3AccessKey() {
        return props.getProperty("s3.access-key");
    }

    public String s3SecretKey() {
        return props.getProperty("s3.secret-key");
    }

    /** The second S3 server (another endpoint, other credentials, the same bucket names). */
    public String s3bEndpoint() {
        return props.getProperty("s3b.endpoint");
    }

    public String s3bAccessKey() {
        return props.getProperty("s3b.access-key");
    }

    public String s3bSecretKey() {
        return props.getProperty("s3b.secret-key");
    }

    public Path dir() {
        return dir;
    }

    /** Stops the Kafka broker, keeps it down for {@code down}, and starts it again on the same port (fault injection). */
    public void restartKafka(Duration down) throws IOException {
        control("restart-kafka", down);
    }

    /**
     * Crashes PostgreSQL (immediate stop: every session cut, crash recovery at the next start, unlogged tables emptied),
     * keeps it down for {@code down}, and starts it again on the same port (fault injection).
     */
    public void crashPostgres(Duration down) throws IOException {
        control("crash-postgres", down);
    }

    private synchronized void control(String command, Duration down) throws IOException {
        String id = java.util.UUID.randomUUID().toString();
        OutputStream stdin = process.getOutputStream();
        stdin.write((id + " " + command + " " + down.toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        Path done = dir.resolve("control").resolve(id + ".done");
        Path failed = dir.resolve("control").resolve(id + ".failed");
        long deadline = System.nanoTime() + down.plusMinutes(2).toNanos();
        while (!Files.exists(done)) {
            if (Files.exists(failed)) {
                throw new IOException(command + " failed in the stack: " + Files.readString(failed));
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IOException(command + " did not finish; see " + dir.resolve("stack.log"));
            }
            try {
                process.waitFor(50, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted during " + command, e);
            }
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.flush();
        } catch (IOException ignored) {
            // the pipe is already closed: the process is stopping
        }
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** This class's own location plus the runtime classpath recorded at build time. */
    static String classpath() throws IOException {
        String own;
        try {
            own = Path.of(StackProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the restage-stack classes", e);
        }
        try (InputStream in = StackProcess.class.getResourceAsStream("stack.classpath")) {
            if (in == null) {
                throw new IOException("stack.classpath is missing from restage-stack: rebuild it with ./mvnw install");
            }
            return own + File.pathSeparator + new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
