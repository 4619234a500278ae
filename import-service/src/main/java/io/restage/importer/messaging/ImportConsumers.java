package io.restage.importer.messaging;

import io.restage.common.messages.Command;
import io.restage.common.messages.Event;
import io.restage.common.messages.ExportReply;
import io.restage.common.messages.MessageCodec;
import io.restage.common.messages.RefreshRequested;
import io.restage.importer.ImportHandler;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Reads {@code refresh.requested}, {@code batches.anonymized}, {@code refresh.commands} (CommitImport,
 * DiscardStaging) and {@code refresh.events} (ExportCompleted); writes {@code refresh.events}.
 */
@ApplicationScoped
public class ImportConsumers {
    private final ImportHandler handler;

    @Channel("refresh-events")
    MutinyEmitter<String> events;

    public ImportConsumers(ImportHandler handler) {
        this.handler = handler;
    }

    @Incoming("refresh-requested")
    @Blocking
    public void onRequested(String json) throws Exception {
        handler.onRequested(MessageCodec.decode(json, RefreshRequested.class), this::publish);
    }

    @Incoming("batches-anonymized")
    @Blocking
    public void onBatch(byte[] record) throws Exception {
        handler.onBatch(record, this::publish);
    }

    @Incoming("refresh-commands")
    @Blocking
    public void onCommand(String json) throws Exception {
        handler.onCommand(MessageCodec.decode(json, Command.class), this::publish);
    }

    @Incoming("export-events")
    @Blocking
    public void onEvent(String json) throws Exception {
        if (MessageCodec.decode(json, Event.class) instanceof ExportReply.ExportCompleted done) {
            handler.onExportCompleted(done.refreshId(), done.tables().stream().map(t -> t.table()).toList(), this::publish);
        }
    }

    private void publish(Event event) {
        events.sendMessageAndAwait(Message.of(MessageCodec.encode(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(event.refreshId()).build()));
    }
}
