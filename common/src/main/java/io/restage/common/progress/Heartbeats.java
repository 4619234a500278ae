package io.restage.common.progress;

import io.restage.common.messages.Event;
import io.restage.common.messages.Message;
import io.restage.common.messages.StepProgress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What a participant is working on, beaten to the orchestrator as {@link StepProgress} every interval. Two kinds of
 * work: a {@link #begin busy} scope (a commit, a table export, a media copy: beats until closed, also while one long
 * statement blocks the working thread) and {@link #touch streaming} activity (batches of a refresh arriving: beats for
 * {@code linger} after the last batch, then stops on its own). A participant that dies stops beating, which is how the
 * orchestrator tells it from a slow one.
 */
public final class Heartbeats implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Heartbeats.class.getName());

    /** A busy scope; {@link #progress} updates what the next beat says. */
    public interface Work extends AutoCloseable {
        void progress(long done, long total, String unit, String detail);

        /** Where each beat reads this work's rows per table so far (the export's running counts). */
        void tables(java.util.function.Supplier<Map<String, Long>> rowsSoFar);

        @Override
        void close();
    }

    private record Key(String refreshId, String step) {
    }

    private static final class Entry {
        int busy;
        Instant touched;
        long done = -1;
        long total = -1;
        String unit = "";
        String detail;
        /** Rows per table so far, counted with {@link #addRows}. */
        final Map<String, Long> rows = new ConcurrentHashMap<>();
        int attempt = 1;
        volatile java.util.function.Supplier<Map<String, Long>> rowsSupplier;

        Map<String, Long> tables() {
            Map<String, Long> from = rowsSupplier != null ? rowsSupplier.get() : rows;
            if (from == null || from.isEmpty()) {
                return null;
            }
            Map<String, Long> out = new java.util.TreeMap<>(from);
            while (out.size() > StepProgress.MAX_TABLES) {
                out.remove(((java.util.TreeMap<String, Long>) out).lastKey());
            }
            return out;
        }
    }

    private final String service;
    private final String instance;
    private final Duration linger;
    private final Clock clock;
    private final Map<Key, Entry> active = new ConcurrentHashMap<>();
    private ScheduledExecutorService pump;

    public Heartbeats(String service, Duration linger, Clock clock) {
        this.service = service;
        this.instance = service + "@" + host() + ":" + ProcessHandle.current().pid();
        this.linger = linger;
        this.clock = clock;
    }

    /** Work on a step of a refresh that beats until closed (use in try-with-resources). */
    public Work begin(String refreshId, String step) {
        Key k = new Key(refreshId, step);
        active.compute(k, (kk, e) -> {
            Entry n = e == null ? new Entry() : e;
            n.busy++;
            n.touched = clock.instant();
            return n;
        });
        return new Work() {
            private boolean closed;

            @Override
            public void progress(long done, long total, String unit, String detail) {
                update(k, done, total, unit, detail);
            }

            @Override
            public void tables(java.util.function.Supplier<Map<String, Long>> rowsSoFar) {
                Entry e = active.get(k);
                if (e != null) {
                    e.rowsSupplier = rowsSoFar;
                }
            }

            @Override
            public void close() {
                if (closed) {
                    return;
                }
                closed = true;
                active.computeIfPresent(k, (kk, e) -> {
                    e.busy--;
                    e.touched = clock.instant();
                    return e.busy <= 0 && linger.isZero() ? null : e;
                });
            }
        };
    }

    /** Streaming activity on a step: beats go on for the linger time after the last touch. */
    public void touch(String refreshId, String step, long done, long total, String unit, String detail) {
        Key k = new Key(refreshId, step);
        active.computeIfAbsent(k, kk -> new Entry());
        update(k, done, total, unit, detail);
    }

    /**
     * Streaming activity on a step that handled {@code rows} more rows of {@code table} from the export's snapshot
     * {@code attempt}: counted in the next beats. A later attempt starts the counts over; an earlier one's rows are
     * not counted.
     */
    public void addRows(String refreshId, String step, String table, long rows, int attempt) {
        Key k = new Key(refreshId, step);
        Entry e = active.computeIfAbsent(k, kk -> new Entry());
        synchronized (e) {
            if (attempt > e.attempt) {
                e.rows.clear();
                e.attempt = attempt;
            }
            if (rows > 0 && table != null && attempt == e.attempt) {
                e.rows.merge(table, rows, Long::sum);
            }
        }
        update(k, -1, -1, "rows", table);
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }

    /** The refresh is over for this participant: no more beats for any of its steps. */
    public void forget(String refreshId) {
        active.keySet().removeIf(k -> k.refreshId().equals(refreshId));
    }

    private void update(Key k, long done, long total, String unit, String detail) {
        active.computeIfPresent(k, (kk, e) -> {
            e.touched = clock.instant();
            if (done >= 0) {
                e.done = done;
            }
            if (total >= 0) {
                e.total = total;
            }
            if (unit != null) {
                e.unit = unit;
            }
            e.detail = detail;
            return e;
        });
    }

    /** The beats to send now: one per busy or recently touched step; idle entries past the linger are dropped. */
    public List<StepProgress> due() {
        Instant now = clock.instant();
        List<StepProgress> out = new ArrayList<>();
        for (Key k : List.copyOf(active.keySet())) {
            active.computeIfPresent(k, (kk, e) -> {
                if (e.busy <= 0 && e.touched.plus(linger).isBefore(now)) {
                    return null;
                }
                out.add(new StepProgress(Message.newId(), k.refreshId(), now, service, k.step(), e.done, e.total, e.unit, e.detail,
                        instance, e.tables()));
                return e;
            });
        }
        return out;
    }

    /** Starts sending {@link #due} beats every {@code interval} on a daemon thread; a failed send is logged and retried next time. */
    public synchronized void start(Duration interval, Consumer<Event> publish) {
        if (pump != null) {
            return;
        }
        pump = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, service + "-heartbeats");
            t.setDaemon(true);
            return t;
        });
        pump.scheduleWithFixedDelay(() -> {
            for (StepProgress beat : due()) {
                try {
                    publish.accept(beat);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "heartbeat for refresh " + beat.refreshId() + " not sent: " + e.getMessage());
                }
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (pump != null) {
            pump.shutdownNow();
            pump = null;
        }
    }
}
