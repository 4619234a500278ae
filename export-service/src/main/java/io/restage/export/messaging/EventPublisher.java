package io.restage.export.messaging;

import io.restage.common.messages.Event;
import io.restage.common.messages.MessageCodec;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Writes replies to {@code refresh.events}, keyed by refresh id, and waits for the broker's acknowledgement. */
@ApplicationScoped
public class EventPublisher {
    @Channel("refresh-events")
    MutinyEmitter<String> emitter;

    public void publish(Event event) {
        emitter.sendMessageAndAwait(Message.of(MessageCodec.encode(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(event.refreshId()).build()));
    }
}
