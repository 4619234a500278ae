package io.restage.common.health;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The per-batch metrics every participant that handles batches records, named alike in each service: rows and bytes
 * per step and table ({@code restage_rows_total}, {@code restage_bytes_total}) and how long one batch took
 * ({@code restage_batch_seconds}, per step). Counts and names only, never a value.
 */
public final class BatchMeters {
    public static void batch(MeterRegistry registry, String step, String table, long rows, long bytes, long nanos) {
        registry.counter("restage.rows", "step", step, "table", table).increment(rows);
        registry.counter("restage.bytes", "step", step, "table", table).increment(bytes);
        Timer.builder("restage.batch").description("Time to handle one batch, by step").tag("step", step)
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    private BatchMeters() {
    }
}
