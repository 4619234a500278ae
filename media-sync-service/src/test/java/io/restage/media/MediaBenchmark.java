package io.restage.media;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.Topics;
import io.restage.common.messages.Command;
import io.restage.common.messages.Event;
import io.restage.common.messages.MediaReply;
import io.restage.common.messages.MessageCodec;
import io.restage.stack.testing.KafkaProbe;
import io.restage.stack.testing.StackTestResource;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The media copy next to {@code rclone sync --transfers 16}, on the same buckets of the same S3 server, in one run (not a
 * timed test: it prints and asserts nothing about time). Run:
 * {@code ./mvnw -q install -DskipTests && ./mvnw -q -pl media-sync-service test -Dtest=MediaBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.objects=3000}, the default). rclone must be on the PATH (Debian: {@code apt-get install rclone}); without
 * it its row is left out.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class MediaBenchmark {

    @Test
    void printMediaCopyTimeNextToRclone() throws Exception {
        int objects = Integer.getInteger("bench.objects", 3000);
        MinioClient s3 = MinioClient.builder().endpoint(StackTestResource.stack().s3Endpoint())
                .credentials(StackTestResource.stack().s3AccessKey(), StackTestResource.stack().s3SecretKey()).build();
        empty(s3, "production-media");
        empty(s3, "staging-media");
        long gen = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> puts = new ArrayList<>();
        for (int i = 0; i < objects; i++) {
            int n = i;
            puts.add(pool.submit(() -> {
                byte[] b = new byte[2048 + (n % 16) * 512];
                java.util.Arrays.fill(b, (byte) n);
                s3.putObject(PutObjectArgs.builder().bucket("production-media").object("bench/" + (n % 50) + "/" + n + ".bin")
                        .stream(new ByteArrayInputStream(b), (long) b.length, null).build());
                return null;
            }));
        }
        for (Future<?> f : puts) {
            f.get();
        }
        pool.shutdown();
        System.out.printf("%nmedia benchmark: %d objects (2 to 10 KiB) generated in %.1f s%n", objects, (System.nanoTime() - gen) / 1e9);

        Map<String, Double> seconds = new java.util.LinkedHashMap<>();
        String parallelism = System.getProperty("restage.media.parallelism", "16");
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            // the first copy after the service started (its JVM still compiling), then the same copy into the emptied
            // bucket by the warm service, as every later refresh of a long-running service finds it
            for (String run : List.of("first copy after start", "warm service")) {
                String id = UUID.randomUUID().toString();
                Instant sent = Instant.now();
                kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(), id,
                        sent, "production", "staging"));
                MediaReply.MediaCopied[] copied = new MediaReply.MediaCopied[1];
                kafka.readUntil(Topics.REFRESH_EVENTS.name(), rs -> rs.stream().anyMatch(r -> id.equals(r.key())
                        && MessageCodec.decode(KafkaProbe.text(r), Event.class) instanceof MediaReply.MediaCopied m
                        && (copied[0] = m) != null), Duration.ofMinutes(10));
                // from the command's sending to the reply's writing (the service's clock is this machine's): the probe's
                // own consumer-group join, which is not part of a refresh, is left out
                seconds.put("restage media copy, " + run + " (parallelism " + parallelism + ")",
                        Duration.between(sent, copied[0].occurredAt()).toNanos() / 1e9);
                assertEquals(listing(s3, "production-media"), listing(s3, "staging-media"), "the copy is complete");
                empty(s3, "staging-media");
            }
        }

        if (new ProcessBuilder("bash", "-c", "command -v rclone").start().waitFor() == 0) {
            ProcessBuilder rclone = new ProcessBuilder("rclone", "sync", "s3:production-media", "s3:staging-media",
                    "--transfers", "16", "--checkers", "16").redirectErrorStream(true);
            Map<String, String> env = rclone.environment();
            env.remove("AWS_CA_BUNDLE"); // rclone cannot load a CA bundle for a plain-http endpoint
            env.put("RCLONE_CONFIG_S3_TYPE", "s3");
            env.put("RCLONE_CONFIG_S3_PROVIDER", "Other");
            env.put("RCLONE_CONFIG_S3_ENDPOINT", StackTestResource.stack().s3Endpoint());
            env.put("RCLONE_CONFIG_S3_ACCESS_KEY_ID", StackTestResource.stack().s3AccessKey());
            env.put("RCLONE_CONFIG_S3_SECRET_ACCESS_KEY", StackTestResource.stack().s3SecretKey());
            env.put("RCLONE_CONFIG_S3_FORCE_PATH_STYLE", "true");
            long start = System.nanoTime();
            Process p = rclone.start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("rclone failed: " + out);
            }
            seconds.put("rclone sync --transfers 16 --checkers 16", (System.nanoTime() - start) / 1e9);
            assertEquals(listing(s3, "production-media").keySet(), listing(s3, "staging-media").keySet(), "rclone copied everything");
        } else {
            System.out.println("rclone is not installed (apt-get install rclone): its row is left out");
        }
        System.out.printf("%n| tool | seconds | objects/s |%n| --- | ---: | ---: |%n");
        seconds.forEach((tool, s) -> System.out.printf("| %s | %.1f | %.0f |%n", tool, s, objects / s));
    }

    private static void empty(MinioClient s3, String bucket) throws Exception {
        for (String key : listing(s3, bucket).keySet()) {
            s3.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
        }
    }

    private static TreeMap<String, String> listing(MinioClient s3, String bucket) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        for (Result<Item> r : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
            out.put(r.get().objectName(), r.get().etag().replace("\"", ""));
        }
        return out;
    }
}
