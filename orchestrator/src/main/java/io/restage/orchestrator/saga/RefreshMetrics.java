package io.restage.orchestrator.saga;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;

/**
 * What a refresh leaves in the orchestrator's metrics once it has ended: its duration by outcome and target
 * ({@code restage_refresh_duration_seconds}), rows per table and stage ({@code restage_refresh_rows_total}), leak-audit
 * hits and values scanned, and media objects and bytes. Recorded after the change committed, once per refresh end.
 */
@Singleton
public class RefreshMetrics {
    private final MeterRegistry registry;

    public RefreshMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void ended(Refresh r, Instant now) {
        Timer.builder("restage.refresh.duration").description("How long refreshes took, by outcome and target")
                .tag("outcome", r.status.name()).tag("target", r.target).publishPercentileHistogram(false)
                .register(registry).record(Duration.between(r.createdAt, r.finishedAt != null ? r.finishedAt : now));
        r.tables.forEach((table, t) -> {
            rows(r, table, "exported", t.exported);
            rows(r, table, "anonymized", t.anonymized);
            rows(r, table, "staged", t.staged);
            rows(r, table, "imported", t.imported);
        });
        if (r.leakAudit != null) {
            registry.counter("restage.leak.audit.hits", "target", r.target).increment(r.leakAudit.hits().size());
            registry.counter("restage.leak.audit.values", "target", r.target).increment(r.leakAudit.scannedValues());
        }
        if (r.media) {
            registry.counter("restage.media.objects", "target", r.target, "action", "copied").increment(r.mediaStats.copied);
            registry.counter("restage.media.objects", "target", r.target, "action", "unchanged").increment(r.mediaStats.unchanged);
            registry.counter("restage.media.objects", "target", r.target, "action", "pruned").increment(r.mediaStats.pruned);
            registry.counter("restage.media.bytes", "target", r.target).increment(r.mediaStats.bytes);
        }
    }

    private void rows(Refresh r, String table, String stage, Long n) {
        if (n != null) {
            registry.counter("restage.refresh.rows", "target", r.target, "table", table, "stage", stage).increment(n);
        }
    }
}
