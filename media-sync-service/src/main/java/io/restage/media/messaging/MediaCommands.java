package io.restage.media.messaging;

import io.restage.common.messages.Command;
import io.restage.common.messages.Event;
import io.restage.common.messages.MessageCodec;
import io.restage.media.sync.MediaSync;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Reads {@code refresh.commands} (CopyMedia, RevertMedia, PruneMedia); writes {@code refresh.events}. */
@ApplicationScoped
public class MediaCommands {
    private final MediaSync sync;

    @Channel("refresh-events")
    MutinyEmitter<String> events;

    public MediaCommands(MediaSync sync) {
        this.sync = sync;
    }

    @Incoming("refresh-commands")
    @Blocking
    public void onCommand(String json) throws Exception {
        sync.onCommand(MessageCodec.decode(json, Command.class), this::publish);
    }

    private void publish(Event event) {
        events.sendMessageAndAwait(Message.of(MessageCodec.encode(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(event.refreshId()).build()));
    }
}
