package io.restage.anonymizer.bench;

import io.restage.anonymizer.policy.BatchAnonymizer;
import io.restage.anonymizer.policy.TablePlan;
import io.restage.anonymizer.transform.TransformContext;
import io.restage.common.batch.BatchCodec;
import io.restage.common.batch.BatchHeader;
import io.restage.common.batch.ByteSink;
import io.restage.common.batch.Checksums;
import io.restage.common.batch.Column;
import io.restage.common.batch.CopyText;
import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RuleConfig;
import io.restage.common.config.Secret;
import io.restage.common.policy.LeakFingerprints;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.datafaker.Faker;
import org.junit.jupiter.api.Test;
import org.mindrot.jbcrypt.BCrypt;

/**
 * Throughput of the anonymizer on a realistic users table (not a timed test: it prints numbers and asserts none).
 * Run: {@code ./mvnw -q -pl anonymizer-service -am test -Dtest=AnonymizerBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.rows=N}, default 2,000,000). For each transformer alone, then the whole policy on one and on every
 * core, it prints rows per second per core next to the baseline that every batch pays anyway: reading the row out of
 * the batch record and writing it back (gunzip, split, copy, gzip).
 */
class AnonymizerBenchmark {
    private static final int BATCH_ROWS = 20_000;
    private static final List<Column> COLUMNS = List.of(new Column("id", "bigint"), new Column("email", "text"),
            new Column("full_name", "text"), new Column("first_name", "text"), new Column("last_name", "text"),
            new Column("phone", "text"), new Column("street", "text"), new Column("postal_code", "text"),
            new Column("city", "text"), new Column("password_hash", "text"), new Column("api_token", "text"),
            new Column("external_id", "bigint"), new Column("profile", "jsonb"), new Column("notes", "text"),
            new Column("created_at", "timestamp with time zone"), new Column("last_ip", "inet"),
            new Column("birth_date", "date"), new Column("iban", "text"), new Column("card", "text"),
            new Column("country", "text"));
    private static final String SECRET = "benchmark-secret-0123456789abcdef";

    private static RuleConfig rule(String column, String transformer, Map<String, String> params) {
        return new RuleConfig("public.users", column, transformer, params, "tables");
    }

    private static final Map<String, RuleConfig> ONE_EACH = new LinkedHashMap<>();

    static {
        ONE_EACH.put("email", rule("email", "email", Map.of()));
        ONE_EACH.put("email (shape keep)", rule("email", "email", Map.of("shape", "keep")));
        ONE_EACH.put("person-name (de)", rule("full_name", "person-name", Map.of("locale", "de")));
        ONE_EACH.put("first-name", rule("first_name", "first-name", Map.of()));
        ONE_EACH.put("last-name", rule("last_name", "last-name", Map.of()));
        ONE_EACH.put("phone", rule("phone", "phone", Map.of()));
        ONE_EACH.put("phone (unique)", rule("phone", "phone", Map.of("unique", "true")));
        ONE_EACH.put("phone (country-column)", rule("phone", "phone", Map.of("country-column", "country")));
        ONE_EACH.put("street-address", rule("street", "street-address", Map.of()));
        ONE_EACH.put("postal-code", rule("postal_code", "postal-code", Map.of()));
        ONE_EACH.put("city", rule("city", "city", Map.of()));
        ONE_EACH.put("city (country-column)", rule("city", "city", Map.of("country-column", "country")));
        ONE_EACH.put("ip (prefix 24)", rule("last_ip", "ip", Map.of("prefix", "24")));
        ONE_EACH.put("date-shift (key id)", rule("created_at", "date-shift", Map.of("key-column", "id")));
        ONE_EACH.put("birth-date", rule("birth_date", "birth-date", Map.of()));
        ONE_EACH.put("iban", rule("iban", "iban", Map.of()));
        ONE_EACH.put("card-number", rule("card", "card-number", Map.of()));
        ONE_EACH.put("password", rule("password_hash", "password", Map.of()));
        ONE_EACH.put("token", rule("api_token", "token", Map.of()));
        ONE_EACH.put("hash (bigint)", rule("external_id", "hash", Map.of()));
        ONE_EACH.put("json (3 paths)", rule("profile", "json", Map.of("paths",
                "{\"$.email\":\"email\",\"$.phones[*]\":\"phone\",\"$..iban\":\"null\"}")));
        ONE_EACH.put("scrub", rule("notes", "scrub", Map.of()));
        ONE_EACH.put("null", rule("notes", "null", Map.of()));
        ONE_EACH.put("keep", rule("notes", "keep", Map.of()));
    }

    @Test
    void printThroughputPerTransformerAndForAWholePolicy() throws Exception {
        int rows = Integer.getInteger("bench.rows", 2_000_000);
        int batches = Math.max(1, rows / BATCH_ROWS);
        int cores = Runtime.getRuntime().availableProcessors();
        String stagingHash = BCrypt.hashpw("staging", BCrypt.gensalt(10)); // once per refresh, as in the service
        TransformContext ctx = new TransformContext(SECRET, (random, cost) -> stagingHash, 10);
        byte[] key = LeakFingerprints.key(SECRET, "bench-refresh");

        // the source: generated once, kept as the gzip'd batch records the anonymizer receives
        List<byte[]> records = new ArrayList<>(batches);
        long bytes = 0;
        Faker faker = new Faker(Locale.ENGLISH, new Random(42));
        for (int b = 0; b < batches; b++) {
            byte[] payload = batch(faker, b * (long) BATCH_ROWS);
            bytes += payload.length;
            records.add(BatchCodec.encode(BatchHeader.rows("bench", "public.users", b, BATCH_ROWS, COLUMNS,
                    Checksums.of(payload), List.of()), payload));
        }
        long total = (long) batches * BATCH_ROWS;
        System.out.printf("%nanonymizer benchmark: %,d rows of public.users (%d columns, %.0f bytes/row as COPY text),"
                + " %d batches of %,d rows, %d cores, java %s%n", total, COLUMNS.size(), bytes / (double) total,
                batches, BATCH_ROWS, cores, System.getProperty("java.version"));
        System.out.printf("%-28s %14s %14s %12s%n", "", "rows/s/core", "ns/row", "x baseline");

        double baseline = run(records, null, ctx, key, 1);
        System.out.printf("%-28s %,14.0f %,14.0f %12s%n", "baseline (read+write row)", baseline, 1e9 / baseline, "1.00");
        for (Map.Entry<String, RuleConfig> e : ONE_EACH.entrySet()) {
            PolicyConfig policy = policy(List.of(e.getValue()));
            double r = run(records, TablePlan.compile(policy, "public.users", COLUMNS, List.of()), ctx, key, 1);
            System.out.printf("%-28s %,14.0f %,14.0f %12.2f%n", e.getKey(), r, 1e9 / r, baseline / r);
        }
        PolicyConfig whole = policy(List.of(ONE_EACH.get("email"), ONE_EACH.get("person-name (de)"), ONE_EACH.get("first-name"),
                ONE_EACH.get("last-name"), ONE_EACH.get("phone"), ONE_EACH.get("street-address"), ONE_EACH.get("postal-code"),
                ONE_EACH.get("city"), ONE_EACH.get("password"), ONE_EACH.get("token"), ONE_EACH.get("hash (bigint)"),
                ONE_EACH.get("json (3 paths)"), ONE_EACH.get("scrub")));
        TablePlan plan = TablePlan.compile(whole, "public.users", COLUMNS, List.of());
        double one = run(records, plan, ctx, key, 1);
        System.out.printf("%-28s %,14.0f %,14.0f %12.2f%n", "whole policy (13 rules), 1 thread", one, 1e9 / one, baseline / one);
        double all = run(records, plan, ctx, key, cores);
        System.out.printf("%-28s %,14.0f %,14.0f %12.2f   (%,.0f rows/s in total on %d threads)%n",
                "whole policy, " + cores + " threads", all, 1e9 / all, baseline / all, all * cores, cores);
    }

    private static PolicyConfig policy(List<RuleConfig> rules) {
        return new PolicyConfig(new Secret(SECRET), null, List.of(), Map.of("public.users", rules), null,
                new Secret("staging"), 10);
    }

    /**
     * Rows per second per thread: decode each record, anonymize (or, for the baseline, copy every row field by
     * field), encode it again, as the service does per batch. Warm-up pass first, then the timed pass.
     */
    private static double run(List<byte[]> records, TablePlan plan, TransformContext ctx, byte[] key, int threads) throws Exception {
        pass(records.subList(0, Math.min(records.size(), 5)), plan, ctx, key, threads);
        long start = System.nanoTime();
        long rows = pass(records, plan, ctx, key, threads);
        double seconds = (System.nanoTime() - start) / 1e9;
        return rows / seconds / threads;
    }

    private static long pass(List<byte[]> records, TablePlan plan, TransformContext ctx, byte[] key, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = t;
                futures.add(pool.submit(() -> {
                    long n = 0;
                    for (int i = from; i < records.size(); i += threads) {
                        var batch = BatchCodec.decode(records.get(i));
                        byte[] out = plan == null ? copyRows(batch.payload())
                                : BatchAnonymizer.anonymize(plan, batch.payload(), ctx, null, key).payload();
                        BatchCodec.encode(batch.header().anonymized(Checksums.of(out), 0, null), out);
                        n += batch.header().rowCount();
                    }
                    return n;
                }));
            }
            long total = 0;
            for (Future<Long> f : futures) {
                total += f.get();
            }
            return total;
        } finally {
            pool.shutdown();
        }
    }

    /** The baseline: split every row into fields and write them back, the work any row-level tool does. */
    private static byte[] copyRows(byte[] rows) {
        int n = COLUMNS.size();
        int[] starts = new int[n];
        int[] ends = new int[n];
        ByteSink out = new ByteSink(rows.length);
        int pos = 0;
        while (pos < rows.length) {
            int end = CopyText.rowEnd(rows, pos, rows.length);
            CopyText.split(rows, pos, end, starts, ends);
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    out.write('\t');
                }
                out.write(rows, starts[i], ends[i] - starts[i]);
            }
            out.write('\n');
            pos = end + 1;
        }
        return out.toByteArray();
    }

    private static byte[] batch(Faker f, long firstId) {
        StringBuilder sb = new StringBuilder(BATCH_ROWS * 420);
        for (int i = 0; i < BATCH_ROWS; i++) {
            long id = firstId + i + 1;
            String first = f.name().firstName();
            String last = f.name().lastName();
            String email = (first + "." + last + id + "@" + f.internet().domainName()).toLowerCase(Locale.ROOT);
            String row = String.join("\t", Long.toString(id), email, first + " " + last, first, last,
                    "+49 30 " + f.number().digits(7), f.address().streetAddress(), f.address().zipCode(), f.address().city(),
                    "$2a$10$" + f.regexify("[A-Za-z0-9./]{53}"), "sk_live_" + f.regexify("[A-Za-z0-9]{24}"),
                    Long.toString(f.number().numberBetween(1L, 9_000_000_000L)),
                    "{\"email\": \"" + email + "\", \"phones\": [\"+49 170 " + f.number().digits(7) + "\"], \"prefs\": {\"lang\": \"de\", \"iban\": \"DE89370400440532013000\"}}",
                    "Called on " + f.date().birthday() + "; prefers email.", "2024-03-0" + (1 + i % 9) + " 10:00:00+00",
                    "81.2." + f.number().numberBetween(0, 256) + "." + f.number().numberBetween(1, 255),
                    (1950 + f.number().numberBetween(0, 60)) + "-0" + f.number().numberBetween(1, 10) + "-1" + f.number().numberBetween(0, 10),
                    "DE" + f.number().digits(2) + " 3704 0044 " + f.number().digits(4) + " " + f.number().digits(4) + " " + f.number().digits(2),
                    "4242 4242 " + f.number().digits(4) + " " + f.number().digits(4),
                    i % 3 == 0 ? "Germany" : i % 3 == 1 ? "Brazil" : "United Kingdom");
            sb.append(escape(row)).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Fields are joined with real tabs; backslashes in generated text would be COPY escapes, so double them. */
    private static String escape(String row) {
        return row.replace("\\", "\\\\");
    }
}
