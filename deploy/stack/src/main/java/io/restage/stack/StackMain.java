package io.restage.stack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * The embedded infrastructure in one JVM: a single-node KRaft Kafka broker, PostgreSQL (zonky binaries) and an
 * S3-compatible server (S3Proxy on the file system). Started by {@link StackProcess}; writes the addresses to
 * {@code <dir>/stack.properties} when everything is ready and stops everything when its standard input closes
 * (its parent died or asked it to stop).
 * <p>
 * Arguments: {@code <dir> [--databases a,b] [--buckets x,y]}.
 */
public final class StackMain {
    public static final String ACCESS_KEY = "restage-local";
    public static final String SECRET_KEY = "restage-local-secret";
    /** The second S3 server's account (another endpoint, other credentials, the same bucket names). */
    public static final String SECOND_ACCESS_KEY = "restage-other";
    public static final String SECOND_SECRET_KEY = "restage-other-secret";
    /** The Kafka user restage's services and tests authenticate as (its password is made per start). */
    public static final String KAFKA_USER = "restage";
    static final String READER = StackProcess.READER;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]).toAbsolutePath();
        List<String> databases = new ArrayList<>();
        List<String> buckets = new ArrayList<>();
        for (int i = 1; i < args.length - 1; i += 2) {
            List<String> target = args[i].equals("--databases") ? databases : buckets;
            for (String s : args[i + 1].split(",")) {
                if (!s.isBlank()) {
                    target.add(s.trim());
                }
            }
        }
        Files.createDirectories(dir);
        List<AutoCloseable> running = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAll(running)));

        StackKind kind = StackKind.choose(StackKind.requested(), DockerProbe::available);
        Servers servers = kind == StackKind.CONTAINERS
                ? ContainerServers.start(databases, buckets, running)
                : startEmbedded(dir, databases, buckets, running);
        Properties ready = servers.ready();
        ready.setProperty("stack.kind", kind.name().toLowerCase(java.util.Locale.ROOT));
        ready.setProperty("pid", String.valueOf(ProcessHandle.current().pid()));
        Path tmp = dir.resolve("stack.properties." + UUID.randomUUID());
        try (OutputStream out = Files.newOutputStream(tmp)) {
            ready.store(out, "restage stack: ready");
        }
        Files.move(tmp, dir.resolve("stack.properties"), StandardCopyOption.ATOMIC_MOVE);
        System.out.println("restage stack ready (" + ready.getProperty("stack.kind") + "): kafka " + ready.getProperty("kafka.bootstrap")
                + ", postgres port " + ready.getProperty("postgres.port") + ", s3 " + ready.getProperty("s3.endpoint"));

        // Runs until the parent closes our standard input (or dies), then stops everything. Lines on standard input are
        // fault-injection commands of the tests: "<id> restart-kafka <down-millis>", "<id> crash-postgres <down-millis>";
        // each is answered by the file control/<id>.done (or .failed, holding the reason).
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            control(line.trim(), dir, servers);
        }
        System.exit(0);
    }

    /** An S3Proxy on the file system under {@code dir}, one folder per bucket, on a free port; started. */
    private static S3Proxy startS3(Path dir, List<String> buckets, String accessKey, String secretKey) throws Exception {
        Files.createDirectories(dir);
        for (String b : buckets) {
            Files.createDirectories(dir.resolve(b));
        }
        Properties sp = new Properties();
        sp.setProperty("jclouds.filesystem.basedir", dir.toString());
        S3Proxy s3 = S3Proxy.builder()
                .blobStore(BlobStores.create("filesystem", sp))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        s3.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(s3.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy on " + dir + " did not start within 30 s (state " + s3.getState() + ")");
            }
            Thread.onSpinWait();
        }
        return s3;
    }

    /** One fault-injection command: the server goes down the hard way, stays down a moment, and comes back on its port. */
    private static void control(String line, Path dir, Servers servers) {
        String[] p = line.split(" ");
        if (p.length != 3) {
            return;
        }
        Path answer = dir.resolve("control");
        try {
            Files.createDirectories(answer);
            servers.control(p[1], Long.parseLong(p[2]));
            Files.writeString(answer.resolve(p[0] + ".done"), "ok");
            System.out.println("stack: " + p[1] + " done");
        } catch (Exception e) {
            try {
                Files.writeString(answer.resolve(p[0] + ".failed"), String.valueOf(e));
            } catch (IOException ignored) {
                // the test times out instead
            }
            System.out.println("stack: " + line + " failed: " + e);
        }
    }

    /** What a started set of servers tells its clients, and the faults the tests may inject into it. */
    interface Servers {
        /** Addresses and credentials, written to stack.properties. */
        Properties ready();

        /** One fault: {@code restart-kafka} or {@code crash-postgres}, the server down for {@code downMillis}. */
        void control(String command, long downMillis) throws Exception;
    }

    /** The role sources are read as (SELECT on everything, nothing else), and the databases asked for. */
    static void prepareDatabases(Connection c, List<String> databases) throws java.sql.SQLException {
        try (Statement st = c.createStatement()) {
            // restage refuses a source role that can write
            st.execute("do $$ begin if not exists (select 1 from pg_roles where rolname = '" + READER + "') then"
                    + " create role " + READER + " login; end if; end $$");
            st.execute("grant pg_read_all_data to " + READER);
            for (String db : databases) {
                ResultSet rs = st.executeQuery("select 1 from pg_database where datname = '" + db.replace("'", "''") + "'");
                if (!rs.next()) {
                    st.execute("create database \"" + db.replace("\"", "\"\"") + "\"");
                }
            }
        }
    }

    /** The embedded servers: zonky's PostgreSQL binaries, the KRaft broker in this JVM, S3Proxy on the file system. */
    private static Servers startEmbedded(Path dir, List<String> databases, List<String> buckets, List<AutoCloseable> running)
            throws Exception {
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(dir.resolve("postgres"))
                .setCleanDataDirectory(true)
                .setServerConfig("max_connections", "300")
                // fsync off: fast, and safe against a crash of the server process (the OS keeps the written pages); commits
                // are written to the WAL before they return, so a crash (the fault-injection tests) loses none
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("max_prepared_transactions", "0")
                .setPGStartupWait(java.time.Duration.ofSeconds(60))
                .start();
        running.add(pg);
        try (Connection c = pg.getPostgresDatabase().getConnection()) {
            prepareDatabases(c, databases);
        }

        int kafkaPort = freePort();
        int controllerPort = freePort();
        Path kafkaDir = dir.resolve("kafka");
        Files.createDirectories(kafkaDir);
        Properties kp = new Properties();
        kp.put("process.roles", "broker,controller");
        kp.put("node.id", "1");
        kp.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        // clients must authenticate (SASL/PLAIN): a client that ignores restage's Kafka security settings cannot connect
        String kafkaPassword = UUID.randomUUID().toString();
        String brokerPassword = UUID.randomUUID().toString();
        kp.put("listeners", "SASL_PLAINTEXT://127.0.0.1:" + kafkaPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        kp.put("advertised.listeners", "SASL_PLAINTEXT://127.0.0.1:" + kafkaPort);
        kp.put("controller.listener.names", "CONTROLLER");
        kp.put("inter.broker.listener.name", "SASL_PLAINTEXT");
        kp.put("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
        kp.put("sasl.enabled.mechanisms", "PLAIN");
        kp.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        kp.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule"
                + " required username=\"broker\" password=\"" + brokerPassword + "\" user_broker=\"" + brokerPassword
                + "\" user_" + KAFKA_USER + "=\"" + kafkaPassword + "\";");
        kp.put("log.dirs", kafkaDir.resolve("data").toString());
        kp.put("offsets.topic.replication.factor", "1");
        kp.put("offsets.topic.num.partitions", "4");
        kp.put("transaction.state.log.replication.factor", "1");
        kp.put("transaction.state.log.min.isr", "1");
        kp.put("transaction.state.log.num.partitions", "4");
        kp.put("share.coordinator.state.topic.replication.factor", "1");
        kp.put("share.coordinator.state.topic.min.isr", "1");
        kp.put("group.initial.rebalance.delay.ms", "0");
        kp.put("num.partitions", "4");
        kp.put("auto.create.topics.enable", "true");
        kp.put("message.max.bytes", String.valueOf(32 * 1024 * 1024));
        kp.put("log.cleaner.dedupe.buffer.size", "2097152");
        kp.put("num.network.threads", "2");
        kp.put("num.io.threads", "4");
        Path kprops = kafkaDir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(kprops)) {
            kp.store(out, "restage embedded broker");
        }
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        kafka.tools.StorageTool.execute(new String[]{"format", "-t", clusterId, "-c", kprops.toString()},
                new PrintStream(OutputStream.nullOutputStream()));
        Broker broker = new Broker(kp);
        broker.start();
        running.add(0, broker::stop);

        S3Proxy s3 = startS3(dir.resolve("s3"), buckets, ACCESS_KEY, SECRET_KEY);
        running.add(0, s3::stop);
        // a second S3 server, another endpoint with other credentials: copies between accounts stream through restage
        S3Proxy s3b = startS3(dir.resolve("s3b"), buckets, SECOND_ACCESS_KEY, SECOND_SECRET_KEY);
        running.add(0, s3b::stop);

        Properties ready = new Properties();
        ready.setProperty("kafka.bootstrap", "127.0.0.1:" + kafkaPort);
        ready.setProperty("kafka.security.protocol", "SASL_PLAINTEXT");
        ready.setProperty("kafka.sasl.mechanism", "PLAIN");
        ready.setProperty("kafka.username", KAFKA_USER);
        ready.setProperty("kafka.password", kafkaPassword);
        ready.setProperty("postgres.port", String.valueOf(pg.getPort()));
        ready.setProperty("postgres.user", "postgres");
        ready.setProperty("s3.endpoint", "http://127.0.0.1:" + s3.getPort());
        ready.setProperty("s3.access-key", ACCESS_KEY);
        ready.setProperty("s3.secret-key", SECRET_KEY);
        ready.setProperty("s3b.endpoint", "http://127.0.0.1:" + s3b.getPort());
        ready.setProperty("s3b.access-key", SECOND_ACCESS_KEY);
        ready.setProperty("s3b.secret-key", SECOND_SECRET_KEY);
        Path pgData = dir.resolve("postgres");
        return new Servers() {
            @Override
            public Properties ready() {
                return ready;
            }

            @Override
            public void control(String command, long down) throws Exception {
                switch (command) {
                    case "restart-kafka" -> {
                        broker.stop();
                        Thread.sleep(down); // the outage the clients see (this is the fault, not a wait for a condition)
                        broker.start();
                    }
                    case "crash-postgres" -> crashPostgres(pgData, down);
                    default -> throw new IllegalArgumentException("unknown command " + command);
                }
            }
        };
    }

    /**
     * A crash of PostgreSQL: stopped in immediate mode (no shutdown checkpoint; every session cut; crash recovery on the
     * next start, which empties unlogged tables), then started again with the same options and port.
     */
    private static void crashPostgres(Path data, long downMillis) throws Exception {
        long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        Path bin = Path.of("/proc/" + pid + "/exe").toRealPath().getParent();
        run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop");
        Thread.sleep(downMillis); // the outage the clients see
        // restart reads the options of the last start (postmaster.opts): the same port and settings
        run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-l", data.resolve("restart.log").toString(), "restart");
    }

    /** Runs a PostgreSQL tool; as root inside {@code unshare -U}, as the embedded server itself runs (pg_ctl refuses root). */
    private static void run(String... cmd) throws Exception {
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.add("unshare");
            command.add("-U");
        }
        command.addAll(List.of(cmd));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    /** The KRaft broker, stoppable and startable again on the same ports and log directories. */
    private static final class Broker {
        private final Properties config;
        private KafkaRaftServer server;

        Broker(Properties config) {
            this.config = config;
        }

        synchronized void start() {
            server = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
            server.startup();
        }

        synchronized void stop() {
            if (server != null) {
                server.shutdown();
                server.awaitShutdown();
                server = null;
            }
        }
    }

    private static void stopAll(List<AutoCloseable> running) {
        for (AutoCloseable c : running) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("stack: error while stopping " + c + ": " + e);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private StackMain() {
    }
}
