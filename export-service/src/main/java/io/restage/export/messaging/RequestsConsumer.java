package io.restage.export.messaging;

import io.restage.common.messages.Command;
import io.restage.common.messages.MessageCodec;
import io.restage.common.messages.RefreshRequested;
import io.restage.export.ExportHandler;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** Reads {@code refresh.requested} and {@code refresh.commands} (CancelExport); writes nothing itself. */
@ApplicationScoped
public class RequestsConsumer {
    private final ExportHandler handler;

    public RequestsConsumer(ExportHandler handler) {
        this.handler = handler;
    }

    @Incoming("refresh-requested")
    @Blocking
    public void onRequested(String json) throws Exception {
        handler.onRequested(MessageCodec.decode(json, RefreshRequested.class));
    }

    @Incoming("refresh-commands")
    public void onCommand(String json) {
        if (MessageCodec.decode(json, Command.class) instanceof Command.CancelExport cancel) {
            handler.onCancel(cancel.refreshId());
        }
    }
}
