package io.restage.anonymizer.messaging;

import io.restage.anonymizer.AnonymizerHandler;
import io.restage.anonymizer.keys.RawBatches;
import io.restage.common.messages.MessageRefused;
import io.restage.common.messages.Event;
import io.restage.common.Topics;
import io.restage.common.kafka.SignedRecords;
import io.restage.common.progress.Heartbeats;
import io.restage.common.security.MessageSignatures;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Reads {@code batches.exported} (sealed raw batches, opened with the refresh's data key; anything else is refused);
 * writes {@code batches.anonymized} (same key, so a table's order holds; each record signed) and
 * {@code refresh.events} (TableAnonymized, AnonymizationFailed). A raw record is acknowledged only after its clean
 * twin is acknowledged by the broker. A batch that cannot be anonymized becomes an AnonymizationFailed event (the
 * refresh is compensated) and the stream goes on with other refreshes: an exception here would stop the channel.
 */
@ApplicationScoped
public class BatchStream {
    private static final Logger LOG = Logger.getLogger(BatchStream.class);
    private final AnonymizerHandler handler;

    @Channel("batches-anonymized")
    MutinyEmitter<byte[]> clean;

    private final MessageSignatures signatures;

    private final RawBatches raw;
    private final EventPublisher events;
    private final Heartbeats beats;

    public BatchStream(AnonymizerHandler handler, MessageSignatures signatures, RawBatches raw, EventPublisher events,
                       Heartbeats beats) {
        this.handler = handler;
        this.signatures = signatures;
        this.raw = raw;
        this.events = events;
        this.beats = beats;
    }

    @RefreshLogged
    @Incoming("batches-exported")
    @Blocking
    public void process(ConsumerRecord<String, byte[]> in) throws Exception {
        RawBatches.Opened opened = raw.open(in.value());
        if (opened instanceof RawBatches.Opened.Refused no) {
            // not acted on: a forged, changed or orphaned record; reported for the audit log, no reply moves a saga
            LOG.warnf("refused a raw batch at %s: %s", SignedRecords.where(in), no.reason());
            publish(MessageRefused.of("anonymizer-service", in.topic(), no.refreshId() == null ? in.key() : no.refreshId(),
                    "RawBatch", no.reason()));
            return;
        }
        byte[] record = ((RawBatches.Opened.Record) opened).record();
        io.restage.common.batch.BatchHeader h = io.restage.common.batch.BatchCodec.header(record);
        beats.touch(h.refreshId(), "ANONYMIZE", -1, -1, "batches", h.table());
        AnonymizerHandler.Output out;
        long started = System.nanoTime();
        try {
            out = handler.handle(record);
        } catch (RuntimeException e) {
            Event failure = handler.failure(record, e);
            if (failure == null) {
                LOG.errorf("skipped an unreadable record at %s-%d@%d: %s", in.topic(), in.partition(), in.offset(), e.getMessage());
                return;
            }
            LOG.errorf("refresh %s: %s", failure.refreshId(), ((Event.Failure) failure).reason());
            publish(failure);
            return;
        }
        // signed, so the importer stages only what this service wrote
        clean.sendMessageAndAwait(Message.of(out.record()).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(in.key()).withHeaders(SignedRecords.signBatch(signatures, Topics.BATCHES_ANONYMIZED.name(), in.key(),
                        out.record())).build()));
        if (h.kind() == io.restage.common.batch.BatchHeader.Kind.ROWS) {
            beats.addRows(h.refreshId(), "ANONYMIZE", h.table(), h.rowCount(), h.attempt());
            io.restage.common.health.BatchMeters.batch(io.micrometer.core.instrument.Metrics.globalRegistry, "anonymize",
                    h.table(), h.rowCount(), record.length, System.nanoTime() - started);
        }
        if (out.event() != null) {
            if (out.event() instanceof io.restage.common.messages.AnonymizerReply.TableAnonymized t) {
                LOG.infof("refresh %s: %s anonymized (%d rows, %d rules ran, %d skipped)", t.refreshId(), t.table(), t.rows(),
                        t.ran().size(), t.skipped().size());
            }
            publish(out.event());
        }
    }

    private void publish(Event event) {
        events.publish(event);
    }
}
