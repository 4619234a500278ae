package io.restage.anonymizer.messaging;

import io.restage.anonymizer.AnonymizerHandler;
import io.restage.common.messages.Event;
import io.restage.common.Topics;
import io.restage.common.kafka.SignedRecords;
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
 * Reads {@code batches.exported}; writes {@code batches.anonymized} (same key, so a table's order holds) and
 * {@code refresh.events} (TableAnonymized, AnonymizationFailed). A raw record is acknowledged only after its clean
 * twin is acknowledged by the broker. A batch that cannot be anonymized becomes an AnonymizationFailed event (the
 * refresh is compensated) and the stream goes on with other refreshes: an exception here would stop the channel.
 */
@ApplicationScoped
public class BatchStream {
    private static final Logger LOG = Logger.getLogger(BatchStream.class);
    private final AnonymizerHandler handler;

    @Channel("refresh-events")
    MutinyEmitter<String> events;

    @Channel("batches-anonymized")
    MutinyEmitter<byte[]> clean;

    private final MessageSignatures signatures;

    public BatchStream(AnonymizerHandler handler, MessageSignatures signatures) {
        this.handler = handler;
        this.signatures = signatures;
    }

    @Incoming("batches-exported")
    @Blocking
    public void process(ConsumerRecord<String, byte[]> in) {
        AnonymizerHandler.Output out;
        try {
            out = handler.handle(in.value());
        } catch (RuntimeException e) {
            Event failure = handler.failure(in.value(), e);
            if (failure == null) {
                LOG.errorf("skipped an unreadable record at %s-%d@%d: %s", in.topic(), in.partition(), in.offset(), e.getMessage());
                return;
            }
            LOG.errorf("refresh %s: %s", failure.refreshId(), ((Event.Failure) failure).reason());
            publish(failure);
            return;
        }
        clean.sendMessageAndAwait(Message.of(out.record())
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(in.key()).build()));
        if (out.event() != null) {
            publish(out.event());
        }
    }

    private void publish(Event event) {
        SignedRecords.Outgoing out = SignedRecords.sign(signatures, Topics.REFRESH_EVENTS.name(), event);
        events.sendMessageAndAwait(Message.of(out.value()).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(out.key()).withHeaders(out.headers()).build()));
    }
}
