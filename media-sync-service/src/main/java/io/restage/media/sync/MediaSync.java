package io.restage.media.sync;

import io.restage.common.Failures;
import io.restage.common.Topics;
import io.restage.common.messages.MessageRefused;
import io.restage.common.security.TargetRules;
import io.restage.common.config.BucketConfig;
import io.restage.common.config.RestageConfig;
import io.restage.common.messages.Command;
import io.restage.common.messages.Event;
import io.restage.common.messages.MediaReply;
import io.restage.common.messages.Message;
import io.restage.common.progress.Heartbeats;
import io.restage.media.state.MediaJournal;
import io.restage.media.state.MediaJournal.Action;
import io.restage.media.state.MediaJournal.Entry;
import io.restage.media.state.MediaJournal.Status;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Copy, revert and prune of a refresh's media.
 * <ul>
 *   <li>copy: new and changed objects only (ETag and size differ); before an object is overwritten its current
 *   version is backed up to {@code .restage/<refresh>/backup/<key>} in the target bucket, and every action is
 *   journaled before it is taken;</li>
 *   <li>revert (compensation): removes what the copy added, restores what it overwrote, drops the backups: the
 *   bucket is exactly as before (keys and ETags);</li>
 *   <li>prune (after the pivot only, and only if the copy completed): deletes target objects the source lacks and
 *   the backups.</li>
 * </ul>
 */
@ApplicationScoped
public class MediaSync {
    private static final Logger LOG = Logger.getLogger(MediaSync.class);
    public static final String RESTAGE_PREFIX = ".restage/";

    private final RestageConfig config;
    private final MediaJournal journal;
    private final Buckets buckets = new Buckets();
    private final Heartbeats beats;
    /** Objects copied at the same time (each journaled before it is copied). */
    private final int parallelism;

    public MediaSync(RestageConfig config, MediaJournal journal, Heartbeats beats,
                     @org.eclipse.microprofile.config.inject.ConfigProperty(name = "restage.media.parallelism", defaultValue = "16")
                     int parallelism) {
        this.config = config;
        this.journal = journal;
        this.beats = beats;
        this.parallelism = Math.max(1, parallelism);
    }

    public void onCommand(Command command, Consumer<Event> publish) throws Exception {
        String refusal = refusal(command);
        if (refusal != null) {
            LOG.warnf("refresh %s: %s refused: %s", command.refreshId(), command.getClass().getSimpleName(), refusal);
            publish.accept(MessageRefused.of("media-sync-service", Topics.REFRESH_COMMANDS.name(), command.refreshId(),
                    command.getClass().getSimpleName(), refusal));
            String id = command.refreshId();
            publish.accept(command instanceof Command.CopyMedia
                    ? new MediaReply.MediaCopyFailed(Message.newId(), id, Instant.now(), "copy refused: " + refusal)
                    : command instanceof Command.RevertMedia
                    ? new MediaReply.MediaRevertFailed(Message.newId(), id, Instant.now(), "revert refused: " + refusal)
                    : new MediaReply.MediaPruneFailed(Message.newId(), id, Instant.now(), "prune refused: " + refusal));
            return;
        }
        // the copy and its revert are step MEDIA_COPY (its action and its compensation), the prune MEDIA_PRUNE
        String step = command instanceof Command.PruneMedia ? "MEDIA_PRUNE" : "MEDIA_COPY";
        try (Heartbeats.Work work = beats.begin(command.refreshId(), step)) {
            if (command instanceof Command.CopyMedia c) {
                copy(c, publish, work);
            } else if (command instanceof Command.RevertMedia r) {
                revert(r, publish);
            } else if (command instanceof Command.PruneMedia p) {
                prune(p, publish);
            }
        }
    }

    /**
     * Re-checked against this service's own configuration, whatever the command says: only an environment with
     * {@code allow-import: true} is written, and revert and prune only touch the bucket (and compare with the source)
     * that this refresh's copy was journaled for.
     */
    String refusal(Command command) throws Exception {
        if (command instanceof Command.CopyMedia c) {
            String r = TargetRules.refusal(config, c.source(), c.target());
            if (r != null) {
                return r;
            }
            Optional<String[]> route = journal.route(c.refreshId());
            if (route.isPresent() && !(c.target().equals(route.get()[1]) && c.source().equals(route.get()[0]))) {
                return "refresh " + c.refreshId() + " was journaled for " + route.get()[0] + " -> " + route.get()[1];
            }
            return null;
        }
        String source = command instanceof Command.PruneMedia p ? p.source() : null;
        String target = command instanceof Command.PruneMedia p ? p.target()
                : command instanceof Command.RevertMedia rv ? rv.target() : null;
        if (target == null) {
            return null;
        }
        String r = TargetRules.refusal(config, source, target);
        if (r != null) {
            return r;
        }
        Optional<String[]> route = journal.route(command.refreshId());
        if (route.isEmpty()) {
            return null; // nothing was copied: a revert has nothing to undo, and a prune refuses on its own
        }
        if (!target.equals(route.get()[1]) || (source != null && route.get()[0] != null && !source.equals(route.get()[0]))) {
            return "refresh " + command.refreshId() + " was journaled for " + route.get()[0] + " -> " + route.get()[1]
                    + ": the command names another environment";
        }
        return null;
    }

    static String backupKey(String refreshId, String key) {
        return RESTAGE_PREFIX + refreshId + "/backup/" + key;
    }

    void copy(Command.CopyMedia cmd, Consumer<Event> publish, Heartbeats.Work work) throws Exception {
        String id = cmd.refreshId();
        Optional<Status> status = journal.status(id);
        if (status.isPresent() && status.get() != Status.COPYING && status.get() != Status.FAILED) {
            if (status.get() == Status.COPIED) {
                long[] n = journal.counts(id);
                publish.accept(new MediaReply.MediaCopied(Message.newId(), id, Instant.now(), n[0], n[1], n[2], n[3]));
            }
            return; // reverted or pruned: a late duplicate changes nothing
        }
        journal.begin(id, cmd.source(), cmd.target());
        java.util.concurrent.atomic.AtomicLong copied = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong overwritten = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        long unchanged = 0;
        try {
            BucketConfig from = Buckets.bucketOf(config.environment(cmd.source()));
            BucketConfig to = Buckets.bucketOf(config.environment(cmd.target()));
            buckets.requireBucket(from);
            buckets.requireBucket(to);
            Map<String, Buckets.ObjectInfo> source = buckets.list(from, null);
            Map<String, Buckets.ObjectInfo> target = buckets.list(to, null);
            java.util.List<Map.Entry<String, Buckets.ObjectInfo>> changed = new java.util.ArrayList<>();
            for (Map.Entry<String, Buckets.ObjectInfo> e : source.entrySet()) {
                Buckets.ObjectInfo existing = target.get(e.getKey());
                if (existing != null && existing.equals(e.getValue())) {
                    unchanged++;
                } else {
                    changed.add(e);
                }
            }
            // up to restage.media.parallelism copies at once; each object is journaled (and backed up if it is
            // overwritten) before it is copied, so a revert undoes exactly what happened, whatever the interleaving
            long skipped = unchanged;
            long bytesToCopy = changed.stream().mapToLong(e -> e.getValue().size()).sum();
            work.progress(skipped, source.size(), "objects", bytesDetail(0, bytesToCopy));
            java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                    Math.min(parallelism, Math.max(1, changed.size())), r -> {
                        Thread t = new Thread(() -> {
                            org.jboss.logging.MDC.put("refreshId", id); // every line of a copier names its refresh
                            r.run();
                        }, "media-copy");
                        t.setDaemon(true);
                        return t;
                    });
            try {
                java.util.List<java.util.concurrent.Future<Void>> futures = new java.util.ArrayList<>();
                for (Map.Entry<String, Buckets.ObjectInfo> e : changed) {
                    futures.add(pool.submit(() -> {
                        String key = e.getKey();
                        if (target.containsKey(key)) {
                            journal.record(id, key, Action.OVERWRITTEN);
                            buckets.copy(to, key, to, backupKey(id, key));
                            overwritten.incrementAndGet();
                        } else {
                            journal.record(id, key, Action.ADDED);
                        }
                        buckets.copy(from, key, to, key);
                        copied.incrementAndGet();
                        long copiedBytes = bytes.addAndGet(e.getValue().size());
                        work.progress(skipped + seen.incrementAndGet(), source.size(), "objects", bytesDetail(copiedBytes, bytesToCopy));
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<Void> f : futures) {
                    try {
                        f.get();
                    } catch (java.util.concurrent.ExecutionException failed) {
                        pool.shutdownNow(); // the first failure stops the rest; the journal holds what was done
                        throw failed.getCause() instanceof Exception ex ? ex : failed;
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            journal.finish(id, Status.COPIED, copied.get(), unchanged, overwritten.get(), bytes.get());
            LOG.infof("refresh %s: media copied: %d new or changed (%d overwritten, %d bytes), %d unchanged, %d at a time",
                    id, copied.get(), overwritten.get(), bytes.get(), unchanged, parallelism);
            io.micrometer.core.instrument.MeterRegistry m = io.micrometer.core.instrument.Metrics.globalRegistry;
            m.counter("restage.media.copy.objects", "target", cmd.target(), "outcome", "copied").increment(copied.get());
            m.counter("restage.media.copy.objects", "target", cmd.target(), "outcome", "unchanged").increment(unchanged);
            m.counter("restage.media.copy.bytes", "target", cmd.target()).increment(bytes.get());
            publish.accept(new MediaReply.MediaCopied(Message.newId(), id, Instant.now(), copied.get(), unchanged,
                    overwritten.get(), bytes.get()));
        } catch (Exception e) {
            journal.set(id, Status.FAILED);
            String reason = "media copy from '" + cmd.source() + "' to '" + cmd.target() + "' failed after " + copied.get()
                    + " objects: " + Failures.describe(e);
            LOG.errorf("refresh %s: %s", id, reason);
            publish.accept(new MediaReply.MediaCopyFailed(Message.newId(), id, Instant.now(), reason));
        }
    }

    void revert(Command.RevertMedia cmd, Consumer<Event> publish) throws Exception {
        String id = cmd.refreshId();
        Optional<Status> status = journal.status(id);
        if (status.isPresent() && status.get() == Status.PRUNED) {
            // every compensation answers: this one cannot be done, and says why
            String reason = "media of refresh " + id + " was already pruned after its commit: the target's bucket holds the"
                    + " refreshed media and there is nothing to revert to";
            LOG.warnf("refresh %s: revert refused: %s", id, reason);
            publish.accept(new MediaReply.MediaRevertFailed(Message.newId(), id, Instant.now(), reason));
            return;
        }
        try {
            long removed = 0;
            long restored = 0;
            if (status.isPresent() && status.get() != Status.REVERTED) {
                BucketConfig to = Buckets.bucketOf(config.environment(cmd.target()));
                for (Entry e : journal.entries(id)) {
                    if (e.action() == Action.ADDED) {
                        buckets.remove(to, e.key());
                        removed++;
                    } else if (buckets.exists(to, backupKey(id, e.key()))) {
                        buckets.copy(to, backupKey(id, e.key()), to, e.key());
                        restored++;
                    }
                }
                for (String key : buckets.list(to, RESTAGE_PREFIX + id + "/").keySet()) {
                    buckets.remove(to, key);
                }
                journal.set(id, Status.REVERTED);
            }
            LOG.infof("refresh %s: media reverted: %d removed, %d restored", id, removed, restored);
            publish.accept(new MediaReply.MediaReverted(Message.newId(), id, Instant.now(), removed, restored));
        } catch (Exception e) {
            String reason = "media revert in '" + cmd.target() + "' failed: " + Failures.describe(e)
                    + "; the journal is kept, retry the compensation";
            LOG.errorf("refresh %s: %s", id, reason);
            publish.accept(new MediaReply.MediaRevertFailed(Message.newId(), id, Instant.now(), reason));
        }
    }

    void prune(Command.PruneMedia cmd, Consumer<Event> publish) throws Exception {
        String id = cmd.refreshId();
        Optional<Status> status = journal.status(id);
        if (status.isPresent() && status.get() == Status.PRUNED) {
            publish.accept(new MediaReply.MediaPruned(Message.newId(), id, Instant.now(), 0));
            return;
        }
        if (status.isEmpty() || status.get() != Status.COPIED) {
            publish.accept(new MediaReply.MediaPruneFailed(Message.newId(), id, Instant.now(),
                    "media copy did not complete (status " + status.map(Enum::name).orElse("none") + "): nothing is deleted"));
            return;
        }
        try {
            BucketConfig to = Buckets.bucketOf(config.environment(cmd.target()));
            BucketConfig from = Buckets.bucketOf(config.environment(cmd.source()));
            Map<String, Buckets.ObjectInfo> source = buckets.list(from, null);
            long deleted = 0;
            for (String key : buckets.list(to, null).keySet()) {
                if (!source.containsKey(key)) {
                    buckets.remove(to, key);
                    deleted++;
                }
            }
            for (String key : buckets.list(to, RESTAGE_PREFIX + id + "/").keySet()) {
                buckets.remove(to, key);
            }
            journal.set(id, Status.PRUNED);
            LOG.infof("refresh %s: media pruned: %d objects the source lacks deleted", id, deleted);
            publish.accept(new MediaReply.MediaPruned(Message.newId(), id, Instant.now(), deleted));
        } catch (Exception e) {
            String reason = "media prune in '" + cmd.target() + "' failed: " + Failures.describe(e);
            LOG.errorf("refresh %s: %s", id, reason);
            publish.accept(new MediaReply.MediaPruneFailed(Message.newId(), id, Instant.now(), reason));
        }
    }

    /** The bytes side of the copy's progress, for the heartbeat's detail: "12.5 MiB of 40.0 MiB copied". */
    static String bytesDetail(long done, long total) {
        return size(done) + " of " + size(total) + " copied";
    }

    private static String size(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double v = n;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[i]);
    }
}
