package io.restage.launcher;

import io.minio.MinioClient;
import io.restage.stack.StackProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The run command: starts the embedded stack (Kafka, PostgreSQL, S3), loads the demo production and staging,
 * writes restage.yaml, starts the five services as processes and prints how to start a refresh. Ctrl-C stops
 * everything it started.
 */
public final class DemoMain {

    public static void main(String[] args) throws Exception {
        Path root = ServiceProcesses.findRepoRoot();
        Path work = root.resolve(".restage/demo");
        if (Files.exists(work)) {
            // every run is a fresh demo: a previous run's broker and databases would not match each other
            System.out.println("restage demo: removing the previous run's " + work);
            try (java.util.stream.Stream<Path> files = Files.walk(work)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        int port = dashboardPort();
        System.out.println("restage demo: starting Kafka (KRaft), PostgreSQL and S3 in " + work + " ...");
        StackProcess stack = StackProcess.start(work.resolve("stack"), List.of("restage", "production", "staging"),
                List.of(), Duration.ofMinutes(3));
        System.out.println("restage demo: servers ready (" + stack.kind() + "; RESTAGE_STACK=embedded|containers|auto chooses)");
        ServiceProcesses[] services = new ServiceProcesses[1];
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nrestage demo: stopping the services and the stack ...");
            if (services[0] != null) {
                services[0].close();
            }
            stack.close();
            stopped.countDown();
        }));

        try (Connection prod = DriverManager.getConnection(stack.jdbcUrl("production"), "postgres", "");
             Connection staging = DriverManager.getConnection(stack.jdbcUrl("staging"), "postgres", "")) {
            DemoData.createSchema(prod);
            DemoData.createSchema(staging);
            DemoData.load(prod, DemoData.Size.PRODUCTION, "prod", 1);
            DemoData.load(staging, DemoData.Size.STAGING, "stale", 2);
        }
        MinioClient s3 = MinioClient.builder().endpoint(stack.s3Endpoint())
                .credentials(stack.s3AccessKey(), stack.s3SecretKey()).build();
        DemoData.loadBucket(s3, "production-media", DemoData.Size.PRODUCTION, "prod", 0);
        DemoData.loadBucket(s3, "staging-media", DemoData.Size.STAGING, "stale", 5);
        Path config = Environments.write(work.resolve("restage.yaml"), stack, Environments.DEMO_POLICY,
                new Environments.Env("production", "production", "production-media", "db.prod-corp.internal", false),
                new Environments.Env("staging", "staging", "staging-media", "staging.prod-corp.internal", true));
        System.out.println("restage demo: data loaded (production: 1500 users, 3000 messages, 600 attachments and objects);"
                + " starting the five services ...");
        services[0] = new ServiceProcesses(root, work.resolve("logs"), stack, "restage", config).withPort("orchestrator", port)
                // plain text for people watching the demo; JSON lines (the default) everywhere else
                .withEnv("RESTAGE_LOG_JSON", "false");
        Path signingKey = services[0].withLocalSigningKey(work.resolve("keys"));
        services[0].startAll(Duration.ofMinutes(3));
        String url = services[0].orchestratorUrl();
        String token = io.restage.common.security.LocalTokens.mint(io.restage.common.security.LocalTokens.readPrivateKey(signingKey),
                io.restage.common.security.LocalTokens.Claims.staff(Environments.DEMO_OPERATOR, List.of("operator"),
                        java.time.Duration.ofHours(8)));
        System.out.println("""

                restage is running.
                  Dashboard:      %s/
                  OpenAPI:        %s/q/openapi
                  Configuration:  %s
                  Service logs:   %s

                Every route needs a bearer token. A token for the demo operator (%s, valid 8 hours;
                paste it into the dashboard's sign-in field):

                  export RESTAGE_URL=%s
                  export RESTAGE_TOKEN=%s

                Start a refresh of staging from production and watch it, with the CLI:

                  deploy/restage refresh production staging --confirm staging.prod-corp.internal --wait

                or with curl:

                  curl -i -X POST %s/api/refreshes -H "Authorization: Bearer $RESTAGE_TOKEN" \\
                       -H 'Content-Type: application/json' \\
                       -d '{"source":"production","target":"staging","confirmTarget":"staging.prod-corp.internal"}'

                A token for any staff email and role, signed with this run's key (%s):

                  deploy/restage token --subject %s --role viewer

                Press Ctrl-C to stop everything.
                """.formatted(url, url, config, services[0].logDir(), Environments.DEMO_OPERATOR, url, token, url, signingKey,
                Environments.DEMO_VIEWER));
        Files.writeString(work.resolve("orchestrator.url"), url);

        stopped.await();
    }

    /** The dashboard's port: RESTAGE_PORT, else 8080; refused up front when something else listens there. */
    static int dashboardPort() {
        String v = System.getenv().getOrDefault("RESTAGE_PORT", "8080");
        int port;
        try {
            port = Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            System.err.println("restage demo: RESTAGE_PORT='" + v + "' is not a port (1-65535)");
            System.exit(2);
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress("0.0.0.0", port));
        } catch (java.io.IOException e) {
            System.err.println("restage demo: port " + port + " is in use (another restage demo?): stop that, or run"
                    + " RESTAGE_PORT=8081 deploy/run-demo.sh");
            System.exit(2);
        }
        return port;
    }

    private DemoMain() {
    }
}
