package io.restage.launcher;

import io.restage.stack.StackProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The five services as separate JVMs, started from their built Quarkus apps. */
public final class ServiceProcesses implements AutoCloseable {
    public static final List<String> SERVICES = List.of("orchestrator", "export-service", "anonymizer-service",
            "import-service", "media-sync-service");

    private final Path repoRoot;
    private final Path logDir;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** The only services given the key that wraps the keys of raw batches. */
    static final List<String> BATCH_KEY_HOLDERS = List.of("export-service", "anonymizer-service");
    /** Made for this set of processes, never written to a file: the raw batches of this run die with it. */
    private final String batchKey = newKey();

    /** For tests that check the key appears nowhere. */
    String batchKey() {
        return batchKey;
    }

    private static String newKey() {
        byte[] k = new byte[32];
        new java.security.SecureRandom().nextBytes(k);
        return java.util.HexFormat.of().formatHex(k);
    }

    private final List<String> jvmArgs = new ArrayList<>();
    /**
     * Each service's heap: half of the 512 MB a service may use in all, as in deploy/kubernetes (the image gives the
     * heap half of the container's 512Mi limit). At 384 MB, a scale-1 benchmark (3.5 million rows) took the
     * anonymizer and the importer to 555 to 573 MB RSS: the heap grows to its maximum and the JVM's own memory
     * (metaspace, code, threads, native buffers) comes on top.
     */
    public static final int HEAP_MB = 256;
    /**
     * The services that coordinate rather than move rows (a few hundred events per refresh, S3 requests) run on the
     * quick compiler only: the optimising one spent most of their CPU compiling code that never runs hot (measured:
     * the orchestrator used 12.6 CPU seconds over four refreshes, most of it in C2). deploy/kubernetes sets the same.
     */
    static final java.util.Set<String> COORDINATORS = java.util.Set.of("orchestrator", "media-sync-service");
    static final String QUICK_JIT = "-XX:TieredStopAtLevel=1";

    public ServiceProcesses(Path repoRoot, Path logDir, StackProcess stack, String stateDatabase, Path configFile) {
        this.repoRoot = repoRoot;
        this.logDir = logDir;
        env.putAll(stack.kafkaEnvironment());
        env.put("RESTAGE_CONFIG_FILE", configFile.toAbsolutePath().toString());
        // glibc gives every thread that allocates natively (JNI: LZ4, zip, the JDBC driver's SSL) an arena of its own: two
        // arenas keep the services' native memory from growing with their thread count
        env.put("MALLOC_ARENA_MAX", "2");
        env.put("RESTAGE_STATE_DB_URL", stack.jdbcUrl(stateDatabase));
        env.put("RESTAGE_ORCHESTRATOR_DB_URL", "postgresql://" + stack.postgresHost() + ":" + stack.postgresPort() + "/" + stateDatabase);
        env.put("RESTAGE_STATE_DB_USER", "postgres");
        env.put("RESTAGE_METRICS_TOKEN", metricsToken);
    }

    private final String metricsToken = newKey();

    /** The scrape token every service's /q/metrics wants (Authorization: Bearer ...). */
    public String metricsToken() {
        return metricsToken;
    }

    /**
     * Makes (or reuses) the local signing key in {@code keyDir} and points the orchestrator at its public half; returns
     * the private key's path, for minting tokens.
     */
    public Path withLocalSigningKey(Path keyDir) throws IOException {
        Path priv = io.restage.common.security.LocalTokens.ensureKeyPair(keyDir);
        env.put("RESTAGE_JWT_PUBLIC_KEY", io.restage.common.security.LocalTokens.publicKeyOf(priv).toAbsolutePath().toString());
        env.put("RESTAGE_JWT_ISSUER", io.restage.common.security.LocalTokens.ISSUER);
        env.put("RESTAGE_JWT_AUDIENCE", io.restage.common.security.LocalTokens.AUDIENCE);
        return priv;
    }

    /** Extra JVM options for every service started from now on (a profiler's, for example). */
    public ServiceProcesses withJvmArgs(String... args) {
        jvmArgs.addAll(List.of(args));
        return this;
    }

    /** Serves {@code instance} on a fixed port instead of a free one (the run command's dashboard: 8080). */
    public ServiceProcesses withPort(String instance, int port) {
        ports.put(instance, port);
        return this;
    }

    /** An extra environment variable for every service started from now on (a setting to exercise in a test). */
    public ServiceProcesses withEnv(String name, String value) {
        env.put(name, value);
        return this;
    }

    public static Path findRepoRoot() {
        String prop = System.getProperty("restage.repo.root");
        if (prop != null && Files.isDirectory(Path.of(prop, "orchestrator"))) {
            return Path.of(prop).toAbsolutePath();
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("orchestrator")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("cannot find the restage repository (run from inside it or set -Drestage.repo.root)");
    }

    public void startAll(Duration timeout) throws IOException, InterruptedException {
        for (String s : SERVICES) {
            start(s);
        }
        for (String s : SERVICES) {
            awaitReady(s, timeout);
        }
    }

    public void start(String service) throws IOException {
        start(service, service);
    }

    /**
     * Starts another instance of {@code service} under the name {@code instance} (its own port and log), as a scaled-out
     * deployment runs several: same consumer groups, same databases.
     */
    public void start(String service, String instance) throws IOException {
        Path jar = repoRoot.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IOException(jar + " is missing: build first with ./mvnw -DskipTests package");
        }
        int port = ports.computeIfAbsent(instance, k -> freePort());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + HEAP_MB + "m", "-XX:+UseSerialGC"));
        if (COORDINATORS.contains(service)) {
            cmd.add(QUICK_JIT);
        }
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(instance + ".log").toFile()));
        pb.environment().putAll(env);
        pb.environment().put("HTTP_PORT", String.valueOf(port));
        if (BATCH_KEY_HOLDERS.contains(service)) {
            pb.environment().put("RESTAGE_BATCH_KEY", batchKey);
        }
        Files.createDirectories(logDir);
        processes.put(instance, pb.start());
    }

    /**
     * Per running instance: CPU seconds used so far (user + system) and peak resident memory in MB (VmHWM), read from
     * /proc. Empty where there is no /proc (not Linux).
     */
    public Map<String, double[]> usage() {
        Map<String, double[]> out = new LinkedHashMap<>();
        processes.forEach((name, p) -> {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
                // after "pid (comm) ": state is field 3 of the line, utime 14 and stime 15 (clock ticks, 100 per second)
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
                long peakKb = Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status")).stream()
                        .filter(l -> l.startsWith("VmHWM:")).map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0L);
                out.put(name, new double[]{cpu, peakKb / 1024.0});
            } catch (IOException | RuntimeException e) {
                // gone, or no /proc here: left out
            }
        });
        return out;
    }

    public void awaitReady(String service, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        URI health = URI.create("http://127.0.0.1:" + ports.get(service) + "/q/health/ready");
        while (true) {
            Process p = processes.get(service);
            if (!p.isAlive()) {
                throw new IOException(service + " exited with code " + p.exitValue() + "; see " + logDir.resolve(service + ".log"));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(service + " was not ready within " + timeout + "; see " + logDir.resolve(service + ".log"));
            }
            p.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** Kills a service the hard way (as a crash would). */
    public void kill(String service) throws InterruptedException {
        Process p = processes.get(service);
        if (p != null && p.isAlive()) {
            p.destroyForcibly().waitFor();
        }
    }

    public int port(String service) {
        return ports.get(service);
    }

    public String orchestratorUrl() {
        return url("orchestrator");
    }

    /** The HTTP base URL of a running instance. */
    public String url(String instance) {
        return "http://127.0.0.1:" + port(instance);
    }

    public Path logDir() {
        return logDir;
    }

    @Override
    public void close() {
        for (Process p : processes.values()) {
            p.destroy();
        }
        for (Process p : processes.values()) {
            try {
                if (!p.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }
}
