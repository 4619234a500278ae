package io.restage.stack;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The stack's servers as containers (Testcontainers), where a Docker engine answers: Kafka in KRaft mode from
 * {@code apache/kafka} at the version of the Kafka clients on the classpath, with SASL/PLAIN on the clients' listener as
 * the embedded broker has it; PostgreSQL at the major version of the embedded binaries (trust authentication, the reader
 * role and the databases asked for); MinIO with the buckets asked for. Kafka and PostgreSQL are bound to fixed host ports
 * so the tests' faults (a broker restart, a database crash) bring them back where the clients look for them. Ryuk removes
 * the containers when this JVM ends.
 */
final class ContainerServers implements StackMain.Servers {
    static final String KAFKA_IMAGE = "apache/kafka:" + org.apache.kafka.common.utils.AppInfoParser.getVersion();
    static final String POSTGRES_IMAGE = "postgres:15-alpine";
    static final String MINIO_IMAGE = "minio/minio:RELEASE.2025-04-22T22-12-26Z";

    private final SaslKafka kafka;
    private final PostgreSQLContainer postgres;
    private final Properties ready;

    private ContainerServers(SaslKafka kafka, PostgreSQLContainer postgres, Properties ready) {
        this.kafka = kafka;
        this.postgres = postgres;
        this.ready = ready;
    }

    static ContainerServers start(List<String> databases, List<String> buckets, List<AutoCloseable> running) throws Exception {
        String kafkaPassword = UUID.randomUUID().toString();
        int kafkaPort = StackMain.freePort();
        SaslKafka kafka = new SaslKafka(KAFKA_IMAGE, kafkaPassword);
        fixHostPort(kafka, kafkaPort, 9092);
        int pgPort = StackMain.freePort();
        PostgreSQLContainer postgres = new PostgreSQLContainer(POSTGRES_IMAGE)
                .withUsername("postgres")
                .withPassword("postgres")
                .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
                .withCommand("postgres", "-c", "max_connections=300", "-c", "fsync=off", "-c", "full_page_writes=off");
        fixHostPort(postgres, pgPort, 5432);
        MinIOContainer minio = new MinIOContainer(MINIO_IMAGE)
                .withUserName(StackMain.ACCESS_KEY)
                .withPassword(StackMain.SECRET_KEY);
        running.add(0, kafka::stop);
        running.add(0, postgres::stop);
        MinIOContainer minioB = new MinIOContainer(MINIO_IMAGE)
                .withUserName(StackMain.SECOND_ACCESS_KEY)
                .withPassword(StackMain.SECOND_SECRET_KEY);
        running.add(0, minio::stop);
        running.add(0, minioB::stop);
        // one after the other: a 2-core machine starts them no faster in parallel, and a failure names its server
        postgres.start();
        kafka.start();
        minio.start();
        minioB.start();

        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + postgres.getHost() + ":" + pgPort + "/postgres",
                "postgres", "")) {
            StackMain.prepareDatabases(c, databases);
        }
        for (MinioClient s3 : List.of(
                MinioClient.builder().endpoint(minio.getS3URL()).credentials(StackMain.ACCESS_KEY, StackMain.SECRET_KEY).build(),
                MinioClient.builder().endpoint(minioB.getS3URL()).credentials(StackMain.SECOND_ACCESS_KEY, StackMain.SECOND_SECRET_KEY).build())) {
            for (String b : buckets) {
                if (!s3.bucketExists(BucketExistsArgs.builder().bucket(b).build())) {
                    s3.makeBucket(MakeBucketArgs.builder().bucket(b).build());
                }
            }
        }

        Properties ready = new Properties();
        ready.setProperty("kafka.bootstrap", kafka.getHost() + ":" + kafkaPort);
        ready.setProperty("kafka.security.protocol", "SASL_PLAINTEXT");
        ready.setProperty("kafka.sasl.mechanism", "PLAIN");
        ready.setProperty("kafka.username", StackMain.KAFKA_USER);
        ready.setProperty("kafka.password", kafkaPassword);
        ready.setProperty("postgres.host", postgres.getHost());
        ready.setProperty("postgres.port", String.valueOf(pgPort));
        ready.setProperty("postgres.user", "postgres");
        ready.setProperty("s3.endpoint", minio.getS3URL());
        ready.setProperty("s3.access-key", StackMain.ACCESS_KEY);
        ready.setProperty("s3.secret-key", StackMain.SECRET_KEY);
        ready.setProperty("s3b.endpoint", minioB.getS3URL());
        ready.setProperty("s3b.access-key", StackMain.SECOND_ACCESS_KEY);
        ready.setProperty("s3b.secret-key", StackMain.SECOND_SECRET_KEY);
        return new ContainerServers(kafka, postgres, ready);
    }

    /** Binds the container's port to a chosen host port, kept across a stop and start of the same container. */
    private static void fixHostPort(GenericContainer<?> container, int hostPort, int containerPort) {
        container.withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
                new PortBinding(Ports.Binding.bindPort(hostPort), new ExposedPort(containerPort))));
    }

    @Override
    public Properties ready() {
        return ready;
    }

    @Override
    public void control(String command, long downMillis) throws Exception {
        DockerClient docker = DockerClientFactory.instance().client();
        switch (command) {
            case "restart-kafka" -> {
                docker.stopContainerCmd(kafka.getContainerId()).exec();
                Thread.sleep(downMillis); // the outage the clients see (the fault itself, not a wait for a condition)
                docker.startContainerCmd(kafka.getContainerId()).exec();
            }
            case "crash-postgres" -> {
                // SIGKILL to the postmaster: every session cut, crash recovery at the next start (as pg_ctl -m immediate)
                docker.killContainerCmd(postgres.getContainerId()).exec();
                Thread.sleep(downMillis);
                docker.startContainerCmd(postgres.getContainerId()).exec();
                awaitPostgres(Duration.ofSeconds(60));
            }
            default -> throw new IllegalArgumentException("unknown command " + command);
        }
    }

    private void awaitPostgres(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String url = "jdbc:postgresql://" + ready.getProperty("postgres.host") + ":" + ready.getProperty("postgres.port") + "/postgres";
        while (true) {
            try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
                return;
            } catch (java.sql.SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("PostgreSQL did not accept connections within " + timeout + " after its restart", e);
                }
                Thread.sleep(200); // polling the server's readiness, bounded by the deadline above
            }
        }
    }

    /**
     * {@code apache/kafka} with its clients' listener (PLAINTEXT, the one published on the host) switched to SASL_PLAINTEXT
     * and one PLAIN user: the same security the embedded broker has, so clients that ignore restage's Kafka settings
     * cannot connect here either. The broker-to-broker and controller listeners stay inside the container.
     */
    static final class SaslKafka extends KafkaContainer {
        private final String password;

        SaslKafka(String image, String password) {
            super(image);
            this.password = password;
        }

        @Override
        protected void configure() {
            super.configure();
            String map = getEnvMap().get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP");
            getEnvMap().put("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", Arrays.stream(map.split(","))
                    .map(e -> e.equals("PLAINTEXT:PLAINTEXT") ? "PLAINTEXT:SASL_PLAINTEXT" : e)
                    .collect(Collectors.joining(",")));
            withEnv("KAFKA_SASL_ENABLED_MECHANISMS", "PLAIN");
            withEnv("KAFKA_LISTENER_NAME_PLAINTEXT_PLAIN_SASL_JAAS_CONFIG",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + StackMain.KAFKA_USER + "=\""
                            + password + "\";");
            withEnv("KAFKA_MESSAGE_MAX_BYTES", String.valueOf(32 * 1024 * 1024));
            withEnv("KAFKA_NUM_PARTITIONS", "4");
            withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true");
            withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1");
            withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1");
        }
    }
}
