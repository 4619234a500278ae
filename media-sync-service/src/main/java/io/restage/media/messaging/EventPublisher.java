package io.restage.media.messaging;

import io.restage.common.Topics;
import io.restage.common.kafka.SignedRecords;
import io.restage.common.messages.Event;
import io.restage.common.security.MessageSignatures;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Writes signed replies to {@code refresh.events}, keyed by refresh id, and waits for the broker's acknowledgement. */
@ApplicationScoped
public class EventPublisher {
    @Channel("refresh-events")
    MutinyEmitter<String> emitter;

    private final MessageSignatures signatures;

    public EventPublisher(MessageSignatures signatures) {
        this.signatures = signatures;
    }

    public void publish(Event event) {
        SignedRecords.Outgoing out = SignedRecords.sign(signatures, Topics.REFRESH_EVENTS.name(), event);
        emitter.sendMessageAndAwait(Message.of(out.value()).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(out.key()).withHeaders(out.headers()).build()));
    }
}
