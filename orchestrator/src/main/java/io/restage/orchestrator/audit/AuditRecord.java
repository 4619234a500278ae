package io.restage.orchestrator.audit;

import java.time.Instant;
import java.util.List;

/** An audit line as the API shows it. */
public record AuditRecord(String id, Instant at, String identity, String action, String source, String target,
                          String refreshId, List<String> skippedAnonymizers, int status, String outcome, String message) {

    static AuditRecord of(AuditEntry e) {
        return new AuditRecord(e.id, e.at, e.identity, e.action, e.source, e.target, e.refreshId,
                e.skippedAnonymizers == null || e.skippedAnonymizers.isEmpty() ? List.of()
                        : List.of(e.skippedAnonymizers.split("\n")), e.status, e.outcome, e.message);
    }
}
