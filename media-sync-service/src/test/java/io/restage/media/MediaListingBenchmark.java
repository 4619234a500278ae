package io.restage.media;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.Topics;
import io.restage.common.messages.Command;
import io.restage.common.messages.Event;
import io.restage.common.messages.MediaReply;
import io.restage.common.messages.MessageCodec;
import io.restage.stack.testing.KafkaProbe;
import io.restage.stack.testing.StackTestResource;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A media copy that compares two listings of {@code bench.objects} (default 100,000) zero-byte objects on the embedded S3
 * server, with the service's heap capped (run with {@code -DargLine=-Xmx256m}): the plan merges the listings as streams,
 * so the heap stays flat whatever the bucket size. Not part of the test command. S3Proxy's file-system store walks the
 * bucket's directories for every page of 1,000 keys, so its listing time grows with the square of the bucket (50,000
 * keys: 19 s; a million: hours); the million-key comparison itself is {@code PlanMemoryTest} (48 MB heap, in the suite).
 * Run: {@code ./mvnw -q install -DskipTests && ./mvnw -q -pl media-sync-service test -Dtest=MediaListingBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -DargLine=-Xmx256m}. The objects are written straight into the embedded S3
 * server's directories (zero-byte files: the cheap way to a million keys); all but 100 are the same in both buckets.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class MediaListingBenchmark {

    @Test
    void compareAMillionObjectListingsWithABoundedHeap() throws Exception {
        int objects = Integer.getInteger("bench.objects", 100_000);
        Path s3 = StackTestResource.stack().dir().resolve("s3");
        long t0 = System.nanoTime();
        for (String bucket : new String[]{"production-media", "staging-media"}) {
            Path root = s3.resolve(bucket).resolve("many");
            for (int i = 0; i < objects; i++) {
                Path d = root.resolve(String.format("d%04d", i % 1000));
                if (i < 1000) {
                    Files.createDirectories(d);
                }
                if (bucket.equals("staging-media") && i % (objects / 100) == 0) {
                    continue; // 100 objects only the source has: the copy writes them
                }
                Files.createFile(d.resolve(String.format("o%08d", i)));
            }
        }
        System.out.printf("media listing benchmark: %,d objects per bucket written in %.1f s%n", objects, (System.nanoTime() - t0) / 1e9);

        long maxHeap = Runtime.getRuntime().maxMemory();
        AtomicLong peak = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                long used = 0;
                for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                    if (p.getType() == MemoryType.HEAP) {
                        used += p.getUsage().getUsed();
                    }
                }
                peak.accumulateAndGet(used, Math::max);
                try {
                    Thread.sleep(100); // a sampling period, not a wait for a condition
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        String id = UUID.randomUUID().toString();
        long start = System.nanoTime();
        MediaReply.MediaCopied copied;
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(), id,
                    Instant.now(), "production", "staging"));
            copied = kafka.readUntil(Topics.REFRESH_EVENTS.name(), rs -> rs.stream().anyMatch(r -> id.equals(r.key())
                                    && MessageCodec.decode(KafkaProbe.text(r), Event.class) instanceof MediaReply.MediaCopied),
                            Duration.ofMinutes(60)).stream().filter(r -> id.equals(r.key()))
                    .map(r -> MessageCodec.decode(KafkaProbe.text(r), Event.class)).filter(MediaReply.MediaCopied.class::isInstance)
                    .map(MediaReply.MediaCopied.class::cast).findFirst().orElseThrow();
        } finally {
            sampler.interrupt();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("media listing benchmark: %,d + %,d objects compared in %.1f s: %d copied, %,d unchanged;"
                        + " peak heap %d MB of %d MB max (the whole test JVM: Quarkus, Kafka clients, the service)%n",
                objects, objects - 100, seconds, copied.copied(), copied.unchanged(), peak.get() >> 20, maxHeap >> 20);
        assertEquals(100, copied.copied());
        assertEquals(objects - 100, copied.unchanged());
    }
}
