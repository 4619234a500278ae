package io.restage.export.messaging;

import io.restage.common.Topics;
import io.restage.common.batch.BatchSeal;
import javax.crypto.SecretKey;
import io.restage.export.batching.BatchSender;
import java.util.Properties;
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
 */
public final class KafkaBatchSender implements BatchSender, AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    private final SecretKey dataKey;

    /**
     * {@code kafka}: the service's Kafka client settings (bootstrap servers, TLS, SASL); {@code dataKey}: the refresh's
     * key every record is sealed under before it leaves the process.
     */
    public KafkaBatchSender(Properties kafka, String clientId, SecretKey dataKey) {
        this.dataKey = dataKey;
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
        producer.send(new ProducerRecord<>(Topics.BATCHES_EXPORTED.name(), key, BatchSeal.seal(record, dataKey)), (md, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
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
