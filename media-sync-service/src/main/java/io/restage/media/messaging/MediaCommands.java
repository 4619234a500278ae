package io.restage.media.messaging;

import io.restage.common.Topics;
import io.restage.common.Retry;
import io.restage.common.kafka.DeadLetters;
import io.restage.common.kafka.SignedRecords;
import io.restage.common.messages.Command;
import io.restage.common.messages.Event;
import io.restage.common.messages.MessageRefused;
import io.restage.common.security.MessageSignatures;
import io.restage.common.security.SignedIntake;
import io.restage.media.sync.MediaSync;
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
 * Reads {@code refresh.commands} (CopyMedia, RevertMedia, PruneMedia); writes signed {@code refresh.events}. Acts only
 * on commands the orchestrator signed; a refused one is logged and reported.
 */
@ApplicationScoped
public class MediaCommands {
    private static final String SERVICE = "media-sync-service";
    private static final Logger LOG = Logger.getLogger(MediaCommands.class);
    private static final Set<String> MY_COMMANDS = Set.of("CopyMedia", "RevertMedia", "PruneMedia", "UndoMedia");
    private final MediaSync sync;
    private final SignedIntake intake;
    private final MessageSignatures signatures;

    private final EventPublisher events;

    public MediaCommands(MediaSync sync, SignedIntake intake, MessageSignatures signatures, EventPublisher events) {
        this.sync = sync;
        this.intake = intake;
        this.signatures = signatures;
        this.events = events;
    }

    @RefreshLogged
    @Incoming("refresh-commands")
    @Blocking
    public void onCommand(ConsumerRecord<String, String> record) throws Exception {
        SignedIntake.Received<Command> r = SignedRecords.receive(intake, record, Command.class);
        if (r instanceof SignedIntake.Received.Refused<Command> no) {
            if (MY_COMMANDS.contains(no.messageType())) {
                LOG.warnf("refused a %s at %s: %s", no.messageType(), SignedRecords.where(record), no.reason());
                publish(MessageRefused.of(SERVICE, record.topic(), record.key(), no.messageType(), no.reason()));
            }
            return;
        }
        if (!(r instanceof SignedIntake.Received.Accepted<Command> accepted)) {
            return; // a duplicate (redelivery or replay) of a command already acted on: skipped
        }
        Command c = accepted.message();
        if (c instanceof Command.CopyMedia || c instanceof Command.RevertMedia || c instanceof Command.PruneMedia
                || c instanceof Command.UndoMedia) {
            DeadLetters.handle(SERVICE, record.topic(), c, Retry.DATABASE, () -> sync.onCommand(c, this::publish), this::publish);
            intake.done(c);
        }
    }

    private void publish(Event event) {
        events.publish(event);
    }
}
