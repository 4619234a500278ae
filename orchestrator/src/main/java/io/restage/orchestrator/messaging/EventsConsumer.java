package io.restage.orchestrator.messaging;

import io.restage.common.kafka.SignedRecords;
import io.restage.common.messages.Event;
import io.restage.common.messages.MessageRefused;
import io.restage.common.security.MessageSignatures;
import io.restage.common.security.SignedIntake;
import io.restage.orchestrator.audit.AuditLog;
import io.restage.orchestrator.saga.SagaService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code refresh.events} (every participant's replies), checks each reply's signature and hands it to the saga;
 * a participant's report of a refused message goes to the audit log instead. An unsigned or wrongly signed reply is
 * logged and recorded, and changes nothing. Duplicates are caught by the saga's processed-event ids.
 */
@ApplicationScoped
public class EventsConsumer {
    private static final Logger LOG = Logger.getLogger(EventsConsumer.class);
    private final SagaService saga;
    private final SignedIntake intake;
    private final AuditLog audit;

    public EventsConsumer(SagaService saga, MessageSignatures signatures, AuditLog audit) {
        this.saga = saga;
        this.intake = new SignedIntake(signatures, null);
        this.audit = audit;
    }

    @Incoming("refresh-events")
    public Uni<Void> onEvent(ConsumerRecord<String, String> record) {
        // on the message's own (duplicated) Vert.x context: every line logged while it is applied names the refresh
        String refreshId = io.restage.common.Topics.refreshOf(record.key());
        if (refreshId != null) {
            org.jboss.logging.MDC.put("refreshId", refreshId);
        } else {
            org.jboss.logging.MDC.remove("refreshId");
        }
        SignedIntake.Received<Event> received;
        try {
            received = SignedRecords.receive(intake, record, Event.class);
        } catch (java.sql.SQLException impossible) {
            throw new IllegalStateException(impossible); // no replay store here: the saga's processed ids dedupe
        }
        if (received instanceof SignedIntake.Received.Refused<Event> refused) {
            LOG.warnf("refused a %s on %s (partition %d, offset %d, key %s): %s", refused.messageType(), record.topic(),
                    record.partition(), record.offset(), AuditLog.clean(record.key()), refused.reason());
            return audit.record(new AuditLog.Line("kafka", "message-refused", null, null, record.key(), null, 0,
                    "refused", "orchestrator refused a " + refused.messageType() + " on " + record.topic() + ": "
                    + refused.reason()));
        }
        if (!(received instanceof SignedIntake.Received.Accepted<Event> accepted)) {
            return Uni.createFrom().voidItem(); // no replay record here: the saga's processed ids catch duplicates
        }
        Event event = accepted.message();
        if (event instanceof MessageRefused m) {
            LOG.warnf("%s refused a %s on %s for refresh %s: %s", m.service(), m.messageType(), m.topic(),
                    AuditLog.clean(m.refreshId()), m.reason());
            return audit.record(new AuditLog.Line(m.service(), "message-refused", null, null, m.refreshId(), null, 0,
                    "refused", m.service() + " refused a " + m.messageType() + " on " + m.topic() + ": " + m.reason()));
        }
        // transient failures (the state database restarting) are retried with back-off; what still fails is
        // dead-lettered by the connector, and the refresh's step deadline ends it
        return saga.onEvent(event)
                .onFailure(io.restage.common.Failures::isRetriable).retry().withBackOff(java.time.Duration.ofMillis(200),
                        java.time.Duration.ofSeconds(5)).withJitter(0.5).atMost(8)
                .onFailure().invoke(e -> LOG.errorf("refresh %s: cannot apply %s: %s", event.refreshId(),
                        event.getClass().getSimpleName(), io.restage.common.Failures.describe(e)));
    }
}
