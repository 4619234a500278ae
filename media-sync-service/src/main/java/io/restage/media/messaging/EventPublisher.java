package io.restage.media.messaging;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.restage.common.Topics;
import io.restage.common.kafka.ReplyOutbox;
import io.restage.common.kafka.SignedRecords;
import io.restage.common.messages.Event;
import io.restage.common.security.MessageSignatures;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.SQLException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * The service's replies to {@code refresh.events}: recorded in its outbox ({@link ReplyOutbox}, the service's state
 * database) and sent from there, signed at send time, keyed by refresh id, each removed once the broker acknowledged it.
 * Heartbeats alone are sent directly: a lost beat is replaced by the next.
 */
@ApplicationScoped
public class EventPublisher {
    @Channel("refresh-events")
    MutinyEmitter<String> emitter;

    private final MessageSignatures signatures;
    private final ReplyOutbox outbox;

    public EventPublisher(MessageSignatures signatures, AgroalDataSource ds) {
        this.signatures = signatures;
        this.outbox = new ReplyOutbox(ds, "media-sync-service");
    }

    /** After the messaging channels are wired (their emitters exist from then on), before the services' own start-up work. */
    void start(@Observes @Priority(1500) StartupEvent ev) throws SQLException {
        outbox.start(this::sendNow, 250);
    }

    void stop(@Observes ShutdownEvent ev) {
        outbox.stop();
    }

    /** The outbox, for replies written in the same transaction as the state change they report. */
    public ReplyOutbox outbox() {
        return outbox;
    }

    /** A reply: recorded in the outbox now, sent by its relay (also after a broker outage or a restart). */
    public void publish(Event event) {
        outbox.append(event);
    }

    /** A heartbeat: sent at once and not kept (the next beat replaces a lost one). */
    public void publishNow(Event event) {
        sendNow(event);
    }

    private void sendNow(Event event) {
        SignedRecords.Outgoing out = SignedRecords.sign(signatures, Topics.REFRESH_EVENTS.name(), event);
        emitter.sendMessageAndAwait(Message.of(out.value()).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(out.key()).withHeaders(out.headers()).build()));
    }
}
