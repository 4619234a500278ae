package io.restage.importer.messaging;

import io.restage.common.Topics;
import io.restage.common.Retry;
import io.restage.common.kafka.DeadLetters;
import io.restage.common.kafka.SignedRecords;
import io.restage.common.messages.Command;
import io.restage.common.messages.Event;
import io.restage.common.messages.ExportReply;
import io.restage.common.messages.MessageRefused;
import io.restage.common.messages.RefreshRequested;
import io.restage.common.security.MessageSignatures;
import io.restage.common.security.SignedIntake;
import io.restage.importer.ImportHandler;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Reads {@code refresh.requested}, {@code batches.anonymized} and {@code refresh.commands} (StageTables, CommitImport,
 * DiscardStaging, UndoImport): it hears only from the orchestrator, never another participant's replies. Writes signed
 * {@code refresh.events}.
 * Control messages are acted on only when signed; a refused one is logged and reported.
 */
@ApplicationScoped
public class ImportConsumers {
    private static final String SERVICE = "import-service";
    private static final Logger LOG = Logger.getLogger(ImportConsumers.class);
    private static final Set<String> MY_COMMANDS = Set.of("StageTables", "CommitImport", "DiscardStaging", "UndoImport");
    private final ImportHandler handler;
    private final SignedIntake intake;
    private final MessageSignatures signatures;

    private final EventPublisher events;

    public ImportConsumers(ImportHandler handler, SignedIntake intake, MessageSignatures signatures, EventPublisher events) {
        this.handler = handler;
        this.intake = intake;
        this.signatures = signatures;
        this.events = events;
    }

    @RefreshLogged
    @Incoming("refresh-requested")
    @Blocking
    public void onRequested(ConsumerRecord<String, String> record) throws Exception {
        SignedIntake.Received<RefreshRequested> r = SignedRecords.receive(intake, record, RefreshRequested.class);
        if (r instanceof SignedIntake.Received.Accepted<RefreshRequested> ok) {
            DeadLetters.handle(SERVICE, record.topic(), ok.message(), Retry.DATABASE,
                    () -> handler.onRequested(ok.message(), this::publish), this::publish);
            intake.done(ok.message());
        } else if (r instanceof SignedIntake.Received.Refused<RefreshRequested> no) {
            refused(record, "RefreshRequested", no.reason());
        } // a duplicate (redelivery or replay) of a request already acted on: skipped
    }

    /** Stages only clean batches the anonymizer signed: a batch written by anyone else is refused and reported. */
    @RefreshLogged
    @Incoming("batches-anonymized")
    @Blocking
    public void onBatch(ConsumerRecord<String, byte[]> record) throws Exception {
        MessageSignatures.Verdict v = SignedRecords.verifyBatch(signatures, record);
        if (v instanceof MessageSignatures.Verdict.Refused no) {
            LOG.warnf("refused a clean batch at %s: %s", SignedRecords.where(record), no.reason());
            String key = record.key() == null ? null : record.key().split("/", 2)[0];
            publish(MessageRefused.of(SERVICE, record.topic(), key, "CleanBatch", no.reason()));
            return;
        }
        handler.onBatch(record.value(), this::publish);
    }

    @RefreshLogged
    @Incoming("refresh-commands")
    @Blocking
    public void onCommand(ConsumerRecord<String, String> record) throws Exception {
        SignedIntake.Received<Command> r = SignedRecords.receive(intake, record, Command.class);
        if (r instanceof SignedIntake.Received.Refused<Command> no) {
            if (MY_COMMANDS.contains(no.messageType())) {
                refused(record, no.messageType(), no.reason());
            }
            return;
        }
        if (!(r instanceof SignedIntake.Received.Accepted<Command> accepted)) {
            return; // a duplicate (redelivery or replay) of a command already acted on: skipped
        }
        Command c = accepted.message();
        if (c instanceof Command.StageTables || c instanceof Command.CommitImport || c instanceof Command.DiscardStaging
                || c instanceof Command.UndoImport) {
            DeadLetters.handle(SERVICE, record.topic(), c, Retry.DATABASE, () -> handler.onCommand(c, this::publish), this::publish);
            intake.done(c);
        }
    }

    private void refused(ConsumerRecord<String, String> record, String type, String reason) {
        LOG.warnf("refused a %s at %s: %s", type, SignedRecords.where(record), reason);
        publish(MessageRefused.of(SERVICE, record.topic(), record.key(), type, reason));
    }

    private void publish(Event event) {
        events.publish(event);
    }
}
