package io.restage.export.messaging;

import io.restage.common.Retry;
import io.restage.common.kafka.DeadLetters;
import io.restage.common.kafka.SignedRecords;
import io.restage.common.messages.Command;
import io.restage.common.messages.MessageRefused;
import io.restage.common.messages.RefreshRequested;
import io.restage.common.security.SignedIntake;
import io.restage.export.ExportHandler;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code refresh.requested} and {@code refresh.commands} (CancelExport, ShredRefreshData); writes {@code refresh.events} only to
 * report a refused message. Acts only on messages the orchestrator signed.
 */
@ApplicationScoped
public class RequestsConsumer {
    private static final String SERVICE = "export-service";
    private static final Logger LOG = Logger.getLogger(RequestsConsumer.class);
    private final ExportHandler handler;
    private final SignedIntake intake;
    private final EventPublisher events;

    public RequestsConsumer(ExportHandler handler, SignedIntake intake, EventPublisher events) {
        this.handler = handler;
        this.intake = intake;
        this.events = events;
    }

    @RefreshLogged
    @Incoming("refresh-requested")
    @Blocking
    public void onRequested(ConsumerRecord<String, String> record) throws Exception {
        SignedIntake.Received<RefreshRequested> r = SignedRecords.receive(intake, record, RefreshRequested.class);
        if (r instanceof SignedIntake.Received.Accepted<RefreshRequested> ok) {
            DeadLetters.handle(SERVICE, record.topic(), ok.message(), Retry.DATABASE, () -> handler.onRequested(ok.message()),
                    events::publish);
            intake.done(ok.message());
        } else if (r instanceof SignedIntake.Received.Refused<RefreshRequested> no) {
            refused(record, "RefreshRequested", no.reason());
        } // a duplicate (redelivery or replay) of a request already acted on: skipped
    }

    @RefreshLogged
    @Incoming("refresh-commands")
    @Blocking
    public void onCommand(ConsumerRecord<String, String> record) throws Exception {
        SignedIntake.Received<Command> r = SignedRecords.receive(intake, record, Command.class);
        if (r instanceof SignedIntake.Received.Refused<Command> no) {
            if (no.messageType().equals("CancelExport") || no.messageType().equals("ShredRefreshData")) {
                refused(record, no.messageType(), no.reason());
            }
            return; // other participants' commands are theirs to refuse
        }
        if (!(r instanceof SignedIntake.Received.Accepted<Command> accepted)) {
            return; // a duplicate (redelivery or replay) of a command already acted on: skipped
        }
        Command c = accepted.message();
        if (c instanceof Command.CancelExport cancel) {
            DeadLetters.handle(SERVICE, record.topic(), cancel, Retry.DATABASE, () -> handler.onCancel(cancel.refreshId()),
                    events::publish);
            intake.done(cancel);
        } else if (c instanceof Command.ShredRefreshData shred) {
            DeadLetters.handle(SERVICE, record.topic(), shred, Retry.DATABASE, () -> handler.onShred(shred), events::publish);
            intake.done(shred);
        }
    }

    private void refused(ConsumerRecord<String, String> record, String type, String reason) {
        LOG.warnf("refused a %s at %s: %s", type, SignedRecords.where(record), reason);
        events.publish(MessageRefused.of(SERVICE, record.topic(), record.key(), type, reason));
    }
}
