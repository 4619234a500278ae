package io.restage.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.restage.common.Json;
import io.restage.stack.StackProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Refresh time of restage next to {@code pg_dump | pg_restore} and {@code pgcopydb clone}, on the same generated
 * data, the same PostgreSQL server and the same machine, in one run (not a timed test: it prints and asserts
 * nothing about time). Run:
 * {@code ./mvnw -q install -DskipTests && ./mvnw -q -pl deploy/launcher test -Dtest=RefreshBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.scale=0.1} for a quick run). pg_dump and pg_restore must be on the PATH, pgcopydb is used if it is.
 * The tools get an empty database (they create the schema and indexes); restage refreshes a database that has the
 * schema, indexes included, and a previous copy of the data, as staging does.
 */
class RefreshBenchmark {
    private final HttpClient http = HttpClient.newHttpClient();
    private String token;
    /** Machine-wide CPU seconds of each row (all cores, every process: services, PostgreSQL, Kafka, the tools). */
    private final Map<String, Double> cpu = new LinkedHashMap<>();

    @Test
    void printRefreshTimeNextToPgDumpAndPgcopydb() throws Exception {
        double scale = Double.parseDouble(System.getProperty("bench.scale", "1.0"));
        // shop: 4 tables of numbers and short strings; saas: 17 tables of contact data, jsonb, arrays and long text
        String ds = System.getProperty("bench.dataset", "shop");
        boolean profile = Boolean.getBoolean("bench.profile");
        Path root = ServiceProcesses.findRepoRoot();
        Path work = Files.createTempDirectory("restage-bench-");
        List<String> dbs = List.of("restage", ds, ds + "_restage", ds + "_dump", ds + "_dump_dir", ds + "_copydb");
        // a last refresh also copies this many objects (2 to 10 KiB) of a mirrored bucket, beside the database pipeline
        int objects = Integer.getInteger("bench.objects", 3000);
        try (StackProcess stack = StackProcess.start(work.resolve("stack"), dbs, List.of("bench-source-media", "bench-target-media", "bench-rclone-media"),
                Duration.ofMinutes(3))) {
            long gen = System.nanoTime();
            for (String db : List.of(ds, ds + "_restage")) {
                try (Connection c = Db.open(stack.jdbcUrl(db)); Statement st = c.createStatement()) {
                    SqlScript.run(c, resource(ds + "-schema.sql"));
                    st.execute("select set_config('restage.scale', '" + (db.equals(ds) ? scale : scale / 10) + "', false)");
                    SqlScript.run(c, resource(ds + "-data.sql")); // the target starts with older, smaller data
                }
            }
            // a production database and a target a refresh filled the night before have both been vacuumed since (an
            // autovacuum follows every bulk load): hint bits and visibility maps set, as the tools and restage meet them
            for (String db : List.of(ds, ds + "_restage")) {
                Db.exec(stack.jdbcUrl(db), "vacuum analyze");
            }
            // one database per environment (restage refuses two environments on one database): copies of the generated ones.
            // The undo target starts full size, as a target a nightly refresh filled the night before: its kept generation
            // copies every row it holds aside inside the commit (keep-generations 1 is the default)
            Db.exec(stack.jdbcUrl("restage"), "create database " + ds + "_anon template " + ds,
                    "create database " + ds + "_restage_undo template " + ds);
            long rows = rows(stack.jdbcUrl(ds));
            String size = Db.one(stack.jdbcUrl(ds), "select pg_size_pretty(pg_database_size('" + ds + "'))");
            System.out.printf("%nrefresh benchmark (%s): %,d rows (%s on disk), %s leaf tables; data generated in %.1f s; %d cores%n",
                    ds, rows, size, Db.one(stack.jdbcUrl(ds), "select count(*) from pg_tables where schemaname = 'public'"),
                    (System.nanoTime() - gen) / 1e9, Runtime.getRuntime().availableProcessors());

            String policies = ds.equals("shop") ? """
                    policy:
                      secret: bench-secret-0123456789abcdef
                      tables:
                        customers: { email: keep, full_name: keep, phone: keep }
                    policies:
                      anonymize:
                        secret: bench-secret-0123456789abcdef
                        tables:
                          customers: { email: email, full_name: person-name, phone: phone }
                    """ : """
                    policy:
                      secret: bench-secret-0123456789abcdef
                      tables:
                        organizations: { name: keep }
                        users: { email: keep, full_name: keep, phone: keep, password_hash: keep, preferences: keep }
                        addresses: { street: keep, city: keep, postal_code: keep }
                        partner_integrations: { api_token: keep, webhook_url: keep }
                        attachments: { file_name: keep }
                    policies:
                      anonymize:
                        secret: bench-secret-0123456789abcdef
                        staging-password: bench-staging-password
                        bcrypt-cost: 4
                        tables:
                          organizations: { name: keep }
                          users:
                            email: email
                            full_name: person-name
                            phone: phone
                            password_hash: password
                            preferences: { transformer: json, paths: { "$.contact.email": email, "$.contact.phone": phone } }
                          addresses: { street: street-address, city: city, postal_code: postal-code }
                          messages: { subject: scrub, body: scrub }
                          comments: { body: scrub }
                          partner_integrations: { api_token: token, webhook_url: { transformer: constant, value: "https://hooks.staging.invalid/" } }
                          attachments: { file_name: keep }
                    """;
            Path config = Environments.write(work.resolve("restage.yaml"), stack, policies,
                    new Environments.Env(ds + "-copy", ds, null, ds + ".internal", false),
                    new Environments.Env(ds + "-anonymize", ds + "_anon", "bench-source-media", ds + "-anon.internal", false, "anonymize"));
            // the targets: the same database with and without a kept generation for undo
            String yaml = Files.readString(config);
            yaml = yaml.replace("policy:\n", "  target:\n    hostname: target.internal\n    allow-import: true\n    keep-generations: 0\n"
                    + "    database: { url: \"" + stack.jdbcUrl(ds + "_restage") + "\", user: postgres }\n"
                    + "    bucket: { endpoint: \"" + stack.s3Endpoint() + "\", access-key: \"" + stack.s3AccessKey()
                    + "\", secret-key: \"" + stack.s3SecretKey() + "\", name: bench-target-media }\n"
                    + "  target-undo:\n    hostname: target-undo.internal\n    allow-import: true\n    keep-generations: 1\n"
                    + "    database: { url: \"" + stack.jdbcUrl(ds + "_restage_undo") + "\", user: postgres }\npolicy:\n");
            Files.writeString(config, yaml);

            Map<String, Double> seconds = new LinkedHashMap<>();
            try (ServiceProcesses services = new ServiceProcesses(root, work.resolve("logs"), stack, "restage", config)) {
                Path key = services.withLocalSigningKey(work.resolve("keys"));
                token = io.restage.common.security.LocalTokens.mint(io.restage.common.security.LocalTokens.readPrivateKey(key),
                        io.restage.common.security.LocalTokens.Claims.staff(Environments.DEMO_OPERATOR, List.of("operator"),
                                Duration.ofHours(4)));
                if (profile) {
                    // a JFR recording per service (settings=profile), written when the services stop
                    services.withJvmArgs("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + work.resolve("logs"));
                }
                // -Dbench.commitConnections=1: the commit on its own connection (the undo generation copied by it alone)
                String commitConnections = System.getProperty("bench.commitConnections");
                if (commitConnections != null) {
                    services.withEnv("RESTAGE_IMPORT_COMMIT_CONNECTIONS", commitConnections);
                }
                services.startAll(Duration.ofMinutes(3));
                // scale-out: more anonymizer instances share the batch topic's partitions (4 by default)
                int anonymizers = Integer.getInteger("bench.anonymizers", 1);
                for (int i = 2; i <= anonymizers; i++) {
                    services.start("anonymizer-service", "anonymizer-service-" + i);
                    services.awaitReady("anonymizer-service-" + i, Duration.ofMinutes(3));
                }
                String suffix = anonymizers > 1 ? " (" + anonymizers + " anonymizers)" : "";
                Map<String, double[]> before = services.usage();
                record(seconds, "restage, copy only (policy: keep)" + suffix, refresh(services, ds + "-copy", "target"));
                record(seconds, "restage, anonymized" + suffix, refresh(services, ds + "-anonymize", "target"));
                record(seconds, "restage, anonymized + undo generation kept" + suffix, refresh(services, ds + "-anonymize", "target-undo"));
                // the undo of that refresh, once its generation is crash-safe (an operator's undo minutes later meets it so)
                record(seconds, "restage undo of that refresh (the previous data back)", undo(services, work.resolve("logs")));
                // the services have now done three refreshes (JIT-compiled), as a long-running deployment has
                // -Dbench.rounds=N: the warm refreshes and the tools N times, interleaved, so every ratio is a median of N
                // samples taken minutes apart on the same server (one sample each moved as much between runs as changes did)
                int rounds = Integer.getInteger("bench.rounds", 1);
                for (int round = 1; round <= rounds; round++) {
                    this.round = round;
                    record(seconds, "restage, anonymized, again (services warm)" + suffix, refresh(services, ds + "-anonymize", "target"));
                    // the first row paid for the services' (and the broker's) JIT warm-up: the copy-only path on its own
                    record(seconds, "restage, copy only, again (services warm)" + suffix, refresh(services, ds + "-copy", "target"));
                    // the default path (anonymized, undo generation kept: keep-generations is 1 unless configured) by warm
                    // services into the undo target, which holds the full previous data again since the undo
                    record(seconds, "restage, anonymized + undo generation, again (warm)" + suffix,
                            refresh(services, ds + "-anonymize", "target-undo"));
                    // its generation is made crash-safe after the refresh: the tools must not share the machine with that
                    awaitCrashSafe(work.resolve("logs"), lastId);
                    if (round < rounds) {
                        // the tools of this round, with the services idle beside them (their CPU is printed)
                        Map<String, double[]> idle = services.usage();
                        tools(stack, ds, work, seconds);
                        System.out.printf("  round %d: the tools ran beside idle services (their CPU meanwhile: %s)%n", round,
                                serviceCpu(idle, services.usage()));
                    }
                }
                Map<String, double[]> after = services.usage();
                System.out.printf("%nper service over the six refreshes and the undo: CPU seconds, peak RSS (MB, JVMs at -Xmx%dm)%n",
                        ServiceProcesses.HEAP_MB);
                after.forEach((name, u) -> System.out.printf("  %-28s %8.1f s %8.0f MB%n", name,
                        u[0] - before.getOrDefault(name, new double[]{0, 0})[0], u[1]));
                // where each commit spent its time, and the work the importer does on the target after replying: the undo
                // generation, copied unlogged inside the commit, rewritten logged (crash-safe) once the refresh succeeded
                System.out.println("\nthe importer's commits, the undo generations made crash-safe after them, and the undo:");
                try (java.util.stream.Stream<String> lines = Files.lines(work.resolve("logs").resolve("import-service.log"))) {
                    lines.filter(l -> l.contains("commit of") || l.contains("made crash-safe") || l.contains("undo of"))
                            .map(l -> l.substring(Math.max(0, l.indexOf("refresh "))))
                            .map(l -> "  " + (l.contains("\",\"") ? l.substring(0, l.indexOf("\",\"")) : l)) // a JSON log line's message
                            .forEach(System.out::println);
                }
                if (objects > 0) {
                    putObjects(stack, "bench-source-media", objects);
                    media = true;
                    record(seconds, "restage, anonymized + " + objects + " media objects (copied beside)" + suffix,
                            refresh(services, ds + "-anonymize", "target"));
                    media = false;
                    if (shell("command -v rclone") >= 0) {
                        // the same objects, the same S3 server: what rclone takes for the media alone
                        record(seconds, "rclone sync --transfers 16 of the same " + objects + " objects (media only)",
                                shell("env -u AWS_CA_BUNDLE RCLONE_CONFIG_S3_TYPE=s3 RCLONE_CONFIG_S3_PROVIDER=Other RCLONE_CONFIG_S3_ENDPOINT='"
                                        + stack.s3Endpoint() + "' RCLONE_CONFIG_S3_ACCESS_KEY_ID='" + stack.s3AccessKey()
                                        + "' RCLONE_CONFIG_S3_SECRET_ACCESS_KEY='" + stack.s3SecretKey() + "'"
                                        + " RCLONE_CONFIG_S3_FORCE_PATH_STYLE=true rclone sync"
                                        + " s3:bench-source-media s3:bench-rclone-media --transfers 16 --checkers 16"));
                    }
                }
            }
            tools(stack, ds, work, seconds); // the last round's, once the services have stopped
            for (String db : List.of(ds + "_restage", ds + "_dump", ds + "_dump_dir", ds + "_copydb")) {
                if ("1".equals(Db.one(stack.jdbcUrl(db), "select count(*) from pg_class where relname = 'order_items'"))) {
                    long copied = rows(stack.jdbcUrl(db));
                    if (copied != rows) {
                        throw new AssertionError(db + " holds " + copied + " rows, the source " + rows);
                    }
                }
            }
            if (profile) {
                System.out.println("JFR recordings (jfr print --events jdk.ExecutionSample ...): " + work.resolve("logs"));
            }
            String baseRow = "pg_dump -Fc | pg_restore (one job)";
            System.out.printf("%-62s %10s %14s %16s %12s%n", "", "seconds", "rows/s", "vs pg_dump|restore", "CPU s (all)");
            for (Map.Entry<String, Double> e : seconds.entrySet()) {
                if (e.getValue() < 0) {
                    System.out.printf("%-62s %10s%n", e.getKey(), "failed");
                    continue;
                }
                if (e.getKey().contains("(media only)")) {
                    System.out.printf("%-62s %10.1f %14s %16s %12.1f%n", e.getKey(), e.getValue(), "", "",
                            cpu.getOrDefault(e.getKey(), 0.0));
                    continue;
                }
                System.out.printf("%-62s %10.1f %,14.0f %15.2fx %12.1f%n", e.getKey(), e.getValue(), rows / e.getValue(),
                        BenchRounds.ratio(samples, e.getKey(), baseRow), cpu.getOrDefault(e.getKey(), 0.0));
            }
            if (samples.values().stream().anyMatch(l -> l.size() > 1)) {
                System.out.println("(rows run more than once: the median seconds and CPU, and the median of each round's ratio to"
                        + " that round's pg_dump | pg_restore)");
                System.out.print(BenchRounds.spread(samples, baseRow));
            }
            System.out.println("(restage: POST to SUCCEEDED, policy check, export, anonymization, staging, leak audit, commit,"
                    + " services at -Xmx" + ServiceProcesses.HEAP_MB + "m each; the tools: schema, data and indexes into an empty database)");
        }
    }

    /** Rows in every leaf table of the public schema. */
    private static long rows(String url) throws java.sql.SQLException {
        long n = 0;
        for (String t : Db.column(url, "select format('%I.%I', schemaname, tablename) from pg_tables where schemaname = 'public'")) {
            n += Long.parseLong(Db.one(url, "select count(*) from " + t));
        }
        return n;
    }

    private double refresh(ServiceProcesses services, String source, String target) throws Exception {
        String host = target.equals("target") ? "target.internal" : "target-undo.internal";
        Map<String, Double> cpuBefore = CpuMeter.read();
        Map<String, double[]> servicesBefore = services.usage();
        long start = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(services.orchestratorUrl() + "/api/refreshes"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString("{\"source\":\"" + source
                        + "\",\"target\":\"" + target + "\",\"confirmTarget\":\"" + host + "\",\"media\":" + media + "}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
            throw new AssertionError(r.body());
        }
        String id = Json.MAPPER.readTree(r.body()).get("id").asText();
        lastId = id;
        String[] status = new String[1];
        Awaitility.await().atMost(Duration.ofMinutes(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            JsonNode n = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(services.orchestratorUrl()
                    + "/api/refreshes/" + id)).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body());
            status[0] = n.get("status").asText();
            return !Set.of("RUNNING", "COMPENSATING").contains(status[0]);
        });
        double s = (System.nanoTime() - start) / 1e9;
        if (!"SUCCEEDED".equals(status[0])) {
            throw new AssertionError("refresh " + id + " ended " + status[0] + "; see the service logs");
        }
        JsonNode report = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(services.orchestratorUrl()
                + "/api/refreshes/" + id)).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body());
        StringBuilder steps = new StringBuilder();
        report.get("steps").fields().forEachRemaining(e -> {
            JsonNode st = e.getValue();
            if (st.hasNonNull("startedAt") && st.hasNonNull("endedAt")) {
                double d = (java.time.Instant.parse(st.get("endedAt").asText()).toEpochMilli()
                        - java.time.Instant.parse(st.get("startedAt").asText()).toEpochMilli()) / 1000.0;
                steps.append(String.format(" %s %.1fs", e.getKey(), d));
            }
        });
        String perService = serviceCpu(servicesBefore, services.usage());
        System.out.printf("  %s -> %s: %.1f s;%s; leak audit %s%n    CPU: %s%n    services' CPU: %s%n", source, target, s, steps,
                report.get("leakAudit"), CpuMeter.since(cpuBefore), perService);
        lastCpu = CpuMeter.read().getOrDefault("machine", 0.0) - cpuBefore.getOrDefault("machine", 0.0);
        return s;
    }

    /**
     * Undoes the last refresh (into target-undo) and returns the seconds from the POST to UNDONE. First waits, with a
     * deadline, for the importer to have made that refresh's undo generation crash-safe, and prints the wait: that
     * rewrite is work the target does after every refresh that keeps a generation, and an undo would queue behind it.
     */
    private double undo(ServiceProcesses services, Path logs) throws Exception {
        String id = lastId;
        awaitCrashSafe(logs, id);
        Map<String, Double> cpuBefore = CpuMeter.read();
        long start = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(services.orchestratorUrl() + "/api/refreshes/" + id + "/undo"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"confirmTarget\":\"target-undo.internal\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
            throw new AssertionError(r.body());
        }
        String[] status = new String[1];
        Awaitility.await().atMost(Duration.ofMinutes(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            JsonNode n = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(services.orchestratorUrl()
                    + "/api/refreshes/" + id)).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body());
            status[0] = n.get("status").asText();
            return !"UNDOING".equals(status[0]);
        });
        double s = (System.nanoTime() - start) / 1e9;
        if (!"UNDONE".equals(status[0])) {
            throw new AssertionError("the undo of refresh " + id + " ended " + status[0] + "; see the service logs");
        }
        System.out.printf("  undo of %s: %.1f s%n    CPU: %s%n", id, s, CpuMeter.since(cpuBefore));
        lastCpu = CpuMeter.read().getOrDefault("machine", 0.0) - cpuBefore.getOrDefault("machine", 0.0);
        return s;
    }

    /** Waits (with a deadline) until the importer made refresh {@code id}'s undo generation crash-safe; prints the wait. */
    private static void awaitCrashSafe(Path logs, String id) {
        long waitStart = System.nanoTime();
        Awaitility.await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(250)).until(() -> {
            try (java.util.stream.Stream<String> lines = Files.lines(logs.resolve("import-service.log"))) {
                return lines.anyMatch(l -> l.contains(id) && (l.contains("made crash-safe") || l.contains("stays unlogged")));
            }
        });
        System.out.printf("  waited %.1f s for the undo generation of %s to be made crash-safe%n", (System.nanoTime() - waitStart) / 1e9, id);
    }

    /** Each service's CPU seconds between two {@link ServiceProcesses#usage} readings, as one line. */
    private static String serviceCpu(Map<String, double[]> before, Map<String, double[]> now) {
        StringBuilder out = new StringBuilder();
        now.forEach((name, u) -> out.append(out.length() == 0 ? "" : ", ").append(name)
                .append(String.format(" %.1f s", u[0] - before.getOrDefault(name, new double[]{0, 0})[0])));
        return out.toString();
    }

    /** The id of the last refresh {@link #refresh} ran. */
    private String lastId;

    /** Every sample of a row, by round (a row run once has one); the printed seconds and {@link #cpu} are their medians. */
    private final Map<String, java.util.SortedMap<Integer, double[]>> samples = new LinkedHashMap<>();
    /** The round the rows recorded now belong to. */
    private int round = 1;

    private void record(Map<String, Double> seconds, String row, double s) {
        java.util.SortedMap<Integer, double[]> rowSamples = samples.computeIfAbsent(row, r -> new java.util.TreeMap<>());
        rowSamples.put(round, new double[]{s, lastCpu});
        // the medians of the rounds that succeeded (a failed one is -1 and prints "failed" only if every round failed)
        double[][] ok = rowSamples.values().stream().filter(x -> x[0] >= 0).toArray(double[][]::new);
        seconds.put(row, ok.length == 0 ? s : BenchRounds.median(java.util.Arrays.stream(ok).mapToDouble(x -> x[0]).toArray()));
        cpu.put(row, ok.length == 0 ? lastCpu : BenchRounds.median(java.util.Arrays.stream(ok).mapToDouble(x -> x[1]).toArray()));
    }

    /**
     * {@code pg_dump | pg_restore}, the parallel pair and pgcopydb, each into an empty database (dropped and created again
     * for a later round; the parallel dump's directory too).
     */
    private void tools(StackProcess stack, String ds, Path work, Map<String, Double> seconds) throws Exception {
        if (samples.containsKey("pg_dump -Fc | pg_restore (one job)")) { // not the first round's: its databases are used
            for (String db : List.of(ds + "_dump", ds + "_dump_dir", ds + "_copydb")) {
                Db.exec(stack.jdbcUrl("restage"), "drop database if exists " + db + " with (force)", "create database " + db);
            }
            for (Path p : List.of(work.resolve("dump"), work.resolve("pgcopydb"))) {
                if (Files.exists(p)) {
                    try (java.util.stream.Stream<Path> walk = Files.walk(p)) {
                        for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.delete(f);
                        }
                    }
                }
            }
        }
        String src = pgUrl(stack, ds);
        record(seconds, "pg_dump -Fc | pg_restore (one job)", shell("pg_dump -Fc --no-owner --no-acl -d '" + src + "' | pg_restore"
                + " --no-owner --no-acl -d '" + pgUrl(stack, ds + "_dump") + "'"));
        Path dir = work.resolve("dump");
        record(seconds, "pg_dump -Fd -j 2 + pg_restore -j 2", shell("pg_dump -Fd -j 2 --no-owner --no-acl -f '" + dir + "' -d '"
                + src + "' && pg_restore -j 2 --no-owner --no-acl -d '" + pgUrl(stack, ds + "_dump_dir") + "' '" + dir + "'"));
        if (shell("command -v pgcopydb") >= 0) {
            record(seconds, "pgcopydb clone --table-jobs 2 --index-jobs 2", shell("pgcopydb clone --no-owner --no-acl"
                    + " --skip-extensions --table-jobs 2 --index-jobs 2 --dir '" + work.resolve("pgcopydb") + "' --source '"
                    + src + "' --target '" + pgUrl(stack, ds + "_copydb") + "'"));
        } else {
            System.out.println("pgcopydb is not installed (apt-get install pgcopydb): its row is left out");
        }
    }

    /** Whether the next refresh copies media. */
    private boolean media;

    /** {@code n} objects of 2 to 10 KiB in the bucket, 16 at a time (not timed). */
    private static void putObjects(StackProcess stack, String bucket, int n) throws Exception {
        io.minio.MinioClient s3 = io.minio.MinioClient.builder().endpoint(stack.s3Endpoint())
                .credentials(stack.s3AccessKey(), stack.s3SecretKey()).build();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<?>> puts = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                puts.add(pool.submit(() -> {
                    byte[] b = new byte[2048 + (k % 16) * 512];
                    java.util.Arrays.fill(b, (byte) k);
                    s3.putObject(io.minio.PutObjectArgs.builder().bucket(bucket).object("media/" + (k % 50) + "/" + k + ".bin")
                            .stream(new java.io.ByteArrayInputStream(b), (long) b.length, null).build());
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : puts) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Machine CPU seconds of the last refresh or shell run. */
    private double lastCpu;

    /** Runs a shell pipeline; returns its wall time in seconds, or -1 if it failed (its output is printed). */
    private double shell(String command) throws Exception {
        Map<String, Double> cpuBefore = CpuMeter.read();
        long start = System.nanoTime();
        Process p = new ProcessBuilder("bash", "-o", "pipefail", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int code = p.waitFor();
        if (code != 0) {
            System.out.println("`" + command.split(" ")[0] + "` failed (" + code + "): " + out.lines().limit(5).toList());
            return -1;
        }
        double s = (System.nanoTime() - start) / 1e9;
        lastCpu = CpuMeter.read().getOrDefault("machine", 0.0) - cpuBefore.getOrDefault("machine", 0.0);
        return s;
    }

    private static String pgUrl(StackProcess stack, String db) {
        return "postgresql://postgres@" + stack.postgresHost() + ":" + stack.postgresPort() + "/" + db;
    }

    private static Path resource(String name) throws Exception {
        return Path.of(RefreshBenchmark.class.getResource("/bench/" + name).toURI());
    }
}
