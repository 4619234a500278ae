package io.restage.export.messaging;

import io.restage.common.Topics;
import io.restage.common.batch.BatchCodec;
import io.restage.common.batch.BatchHeader;
import io.restage.common.batch.BatchSeal;
import io.restage.common.kafka.SignedRecords;
import io.restage.common.messages.AnonymizerReply.TableAnonymized;
import io.restage.common.messages.Message;
import io.restage.common.policy.TableRules;
import io.restage.common.security.MessageSignatures;
import javax.crypto.SecretKey;
import io.restage.export.batching.BatchSender;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes batch records to {@code batches.exported} with the plain Kafka producer, each sealed under the refresh's data
 * key ({@link BatchSeal}): idempotent, acks=all, the service's TLS/SASL settings, and a bounded buffer
 * ({@code buffer.memory}), so a fast reader blocks instead of filling the heap.
 * <p>
 * With a {@link Forwarding}, a table no rule changes ({@link TableRules#unchanged()}: no rules, only {@code keep}, or
 * every rewriting rule skipped by request) skips the anonymizer: its records go to {@code batches.anonymized} exactly
 * as the anonymizer would have written them (the same key, the header marked anonymized, the payload's compressed
 * bytes untouched), signed. Those rows are what the target receives either way, so nothing readable is added to the
 * broker, and the importer checks the policy fingerprint, the signature and the checksums as for any clean batch. The
 * table's report ({@code TableAnonymized}, with the rules that ran and were skipped) is handed out by
 * {@link #forwardedTables()} once everything is acknowledged.
 */
public final class KafkaBatchSender implements BatchSender, AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    private final SecretKey dataKey;
    private final Forwarding forwarding;
    /** Per table and column list (a refresh's batches of one table all carry the same header fields). */
    private final Map<String, TableRules> decided = new ConcurrentHashMap<>();
    private final List<TableAnonymized> forwardedEnds = java.util.Collections.synchronizedList(new ArrayList<>());

    /**
     * How the export forwards tables no rule changes: the rules of a batch's table under the source's policy, the
     * signatures of clean batches, and what to tell of each forwarded batch of rows (the anonymize step's progress).
     */
    public record Forwarding(Function<BatchHeader, TableRules> rules, MessageSignatures signatures,
                             java.util.function.Consumer<BatchHeader> forwarded) {
    }

    /**
     * {@code kafka}: the service's Kafka client settings (bootstrap servers, TLS, SASL); {@code dataKey}: the refresh's
     * key every record is sealed under before it leaves the process.
     */
    public KafkaBatchSender(Properties kafka, String clientId, SecretKey dataKey) {
        this(kafka, clientId, dataKey, null);
    }

    /** {@code forwarding}: null sends every table through the anonymizer. */
    public KafkaBatchSender(Properties kafka, String clientId, SecretKey dataKey, Forwarding forwarding) {
        this.dataKey = dataKey;
        this.forwarding = forwarding;
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_BATCH_RECORD_BYTES);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 1024 * 1024);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000);
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    public void send(String key, byte[] record) {
        Exception earlier = failure.get();
        if (earlier != null) {
            throw new IllegalStateException("an earlier batch could not be written to Kafka: " + earlier.getMessage(), earlier);
        }
        if (forwarding != null) {
            BatchHeader h = BatchCodec.header(record);
            TableRules rules = decided.computeIfAbsent(h.source() + "|" + h.table() + "|" + h.columns() + "|" + h.skipAnonymizers(),
                    k -> forwarding.rules().apply(h));
            if (rules.unchanged()) {
                forward(key, record, h, rules);
                return;
            }
        }
        producer.send(new ProducerRecord<>(Topics.BATCHES_EXPORTED.name(), key, BatchSeal.seal(record, dataKey)), this::sent);
    }

    /** The record as the anonymizer would have written it for a table it leaves unchanged, signed, on the clean topic. */
    private void forward(String key, byte[] record, BatchHeader h, TableRules rules) {
        byte[] clean = BatchCodec.passedUnchanged(record, h);
        String topic = Topics.BATCHES_ANONYMIZED.name();
        producer.send(new ProducerRecord<>(topic, null, key, clean, SignedRecords.signBatch(forwarding.signatures(), topic, key, clean)),
                this::sent);
        if (h.kind() == BatchHeader.Kind.ROWS) {
            forwarding.forwarded().accept(h);
        } else if (h.kind() == BatchHeader.Kind.END) {
            forwardedEnds.add(new TableAnonymized(Message.newId(), h.refreshId(), Instant.now(), h.table(), h.rowCount(),
                    rules.ran(), rules.skipped(), h.attempt()));
        }
    }

    private void sent(org.apache.kafka.clients.producer.RecordMetadata md, Exception e) {
        if (e != null) {
            failure.compareAndSet(null, e);
        }
    }

    /**
     * The reports of the tables sent past the anonymizer so far, to publish once {@link #flush()} returned (their batches
     * and end markers are then on the broker, as the anonymizer's reports follow its records).
     */
    public List<TableAnonymized> forwardedTables() {
        synchronized (forwardedEnds) {
            return List.copyOf(forwardedEnds);
        }
    }

    @Override
    public void flush() {
        producer.flush();
        Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException("a batch could not be written to Kafka: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
