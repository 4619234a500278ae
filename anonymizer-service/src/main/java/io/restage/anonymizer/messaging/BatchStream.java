package io.restage.anonymizer.messaging;

import io.restage.anonymizer.AnonymizerHandler;
import io.restage.common.messages.Event;
import io.restage.common.messages.MessageCodec;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.jboss.logging.Logger;

/**
 * Reads {@code batches.exported}, writes {@code batches.anonymized} (same key, so a table's order holds) and
 * {@code refresh.events} (TableAnonymized, AnonymizationFailed). The raw record is acknowledged only after its
 * clean twin is written.
 */
@ApplicationScoped
public class BatchStream {
    private static final Logger LOG = Logger.getLogger(BatchStream.class);
    private final AnonymizerHandler handler;

    @Channel("refresh-events")
    MutinyEmitter<String> events;

    public BatchStream(AnonymizerHandler handler) {
        this.handler = handler;
    }

    @Incoming("batches-exported")
    @Outgoing("batches-anonymized")
    @Blocking
    public Message<byte[]> process(Message<byte[]> in) {
        Object key = in.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getKey).orElse(null);
        AnonymizerHandler.Output out;
        try {
            out = handler.handle(in.getPayload());
        } catch (RuntimeException e) {
            Event failure = handler.failure(in.getPayload(), e);
            LOG.errorf("anonymization failed: %s", failure == null ? "unreadable batch record" : ((io.restage.common.messages.Event.Failure) failure).reason());
            if (failure != null) {
                publish(failure);
            }
            throw e;
        }
        if (out.event() != null) {
            publish(out.event());
        }
        return in.withPayload(out.record())
                .addMetadata(OutgoingKafkaRecordMetadata.builder().withKey(key).build());
    }

    private void publish(Event event) {
        events.sendMessageAndAwait(Message.of(MessageCodec.encode(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(event.refreshId()).build()));
    }
}
