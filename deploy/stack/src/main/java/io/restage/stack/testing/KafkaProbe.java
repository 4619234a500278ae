package io.restage.stack.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Test helper: writes to and reads from real topics, waiting for a condition with a deadline (never a sleep). */
public final class KafkaProbe implements AutoCloseable {
    private final Properties client;
    private final KafkaProducer<String, byte[]> producer;

    /** A client of the stack's broker, authenticated as restage's Kafka user. */
    public KafkaProbe(io.restage.stack.StackProcess stack) {
        this(stack.kafkaClientProperties());
    }

    /** A client with exactly these settings (bootstrap servers, security). */
    public KafkaProbe(Properties client) {
        this.client = client;
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    public void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot write to " + topic, e);
        }
    }

    public void send(String topic, String key, String value) {
        send(topic, key, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Writes a control message signed with {@code messageKey}, as restage's own services do. */
    public void sendSigned(String topic, io.restage.common.messages.Message message, String messageKey) {
        io.restage.common.kafka.SignedRecords.Outgoing out = io.restage.common.kafka.SignedRecords.sign(
                new io.restage.common.security.MessageSignatures(new io.restage.common.config.Secret(messageKey),
                        java.time.Duration.ofMinutes(10)), topic, message);
        try {
            producer.send(new ProducerRecord<>(topic, null, out.key(),
                    out.value().getBytes(java.nio.charset.StandardCharsets.UTF_8), out.headers())).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot write to " + topic, e);
        }
    }

    /** Writes a clean batch record signed as the anonymizer signs them, with the service tests' key. */
    public void sendSignedBatch(String topic, String key, byte[] record) {
        try {
            producer.send(new ProducerRecord<>(topic, null, key, record, io.restage.common.kafka.SignedRecords.signBatch(
                    new io.restage.common.security.MessageSignatures(new io.restage.common.config.Secret(StackTestResource.MESSAGE_KEY),
                            java.time.Duration.ofMinutes(10)), topic, key, record))).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot write to " + topic, e);
        }
    }

    /** Writes a control message signed with the service tests' key ({@link StackTestResource#MESSAGE_KEY}). */
    public void sendSigned(String topic, io.restage.common.messages.Message message) {
        sendSigned(topic, message, StackTestResource.MESSAGE_KEY);
    }

    /**
     * Waits until consumer group {@code group} has committed, on every partition of {@code topic}, an offset at the end
     * of the log as it is now: everything written so far was read and handled. Fails at the deadline.
     */
    public void awaitConsumed(String group, String topic, Duration timeout) {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(client)) {
            List<org.apache.kafka.common.TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get()
                    .get(topic).partitions().stream().map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            java.util.Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new java.util.HashMap<>();
            parts.forEach(p -> latest.put(p, org.apache.kafka.clients.admin.OffsetSpec.latest()));
            java.util.Map<org.apache.kafka.common.TopicPartition, Long> ends = new java.util.HashMap<>();
            admin.listOffsets(latest).all().get().forEach((p, r) -> ends.put(p, r.offset()));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                java.util.Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                boolean all = ends.entrySet().stream().allMatch(e -> e.getValue() == 0
                        || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue()));
                if (all) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("group " + group + " did not read " + topic + " to " + ends + " within " + timeout
                            + " (committed: " + committed + ")");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L); // poll the committed offsets again
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot read the offsets of " + topic, e);
        }
    }

    /** Reads {@code topic} from the beginning until {@code done} holds for what was read, or fails at the deadline. */
    public List<ConsumerRecord<String, byte[]>> readUntil(String topic, Predicate<List<ConsumerRecord<String, byte[]>>> done,
                                                          Duration timeout) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(seen::add);
                if (done.test(seen)) {
                    return seen;
                }
            }
        }
        throw new AssertionError("condition on topic " + topic + " not met within " + timeout + " (" + seen.size() + " records read)");
    }

    /** Every record of {@code topic} from its first kept offset up to its end as of now (no consumer group). */
    public List<ConsumerRecord<String, byte[]>> readAll(String topic, Duration timeout) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            java.util.Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end within " + timeout);
                }
                c.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
        }
        return seen;
    }

    /**
     * The refresh's first event of {@code type} on {@code refresh.events}, whatever other events of it (heartbeats,
     * other replies) came before; fails after {@code timeout}.
     */
    public <T extends io.restage.common.messages.Event> T awaitEvent(String refreshId, Class<T> type, Duration timeout) {
        java.util.function.Function<ConsumerRecord<String, byte[]>, io.restage.common.messages.Event> decode =
                r -> io.restage.common.messages.MessageCodec.decode(text(r), io.restage.common.messages.Event.class);
        List<ConsumerRecord<String, byte[]>> events = readUntil(io.restage.common.Topics.REFRESH_EVENTS.name(),
                recs -> recs.stream().anyMatch(r -> refreshId.equals(r.key()) && type.isInstance(decode.apply(r))), timeout);
        return events.stream().filter(r -> refreshId.equals(r.key())).map(decode).filter(type::isInstance).map(type::cast)
                .findFirst().orElseThrow();
    }

    public static String text(ConsumerRecord<String, byte[]> r) {
        return new String(r.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}
