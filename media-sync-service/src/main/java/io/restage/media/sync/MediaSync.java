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
import io.restage.media.state.MediaJournal.Status;
import jakarta.enterprise.context.ApplicationScoped;
import io.restage.common.config.Connections;
import io.restage.common.config.MediaPolicy;
import io.restage.media.placeholder.PlaceholderStore;
import io.restage.media.placeholder.Placeholders;
import io.restage.media.plan.Listed;
import io.restage.media.plan.MediaPlan;
import io.restage.media.plan.Referenced;
import io.restage.media.plan.ReferencedKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Optional;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Copy, revert and prune of a refresh's media, by the source's policy ({@code media:}): the whole bucket (or a prefix)
 * mirrored, or only the objects the refreshed rows reference (guided by the database), personal files replaced by
 * placeholders. Listings and keys stream as sorted merges ({@link MediaPlan}); nothing holds a bucket in memory.
 * <ul>
 *   <li>copy: new and changed objects only (ETag and size differ); before an object is overwritten its current
 *   version is backed up to {@code .restage/<refresh>/backup/<key>} in the target bucket (or, where the target bucket
 *   keeps versions, only its version ID is journaled: {@link VersionRestore}), and every action is journaled before it
 *   is taken;</li>
 *   <li>revert (compensation): removes what the copy added, restores what it overwrote, drops the backups: the
 *   bucket is exactly as before (keys and ETags);</li>
 *   <li>prune (after the pivot only, and only if the copy completed): deletes the orphans (at most
 *   media.max-delete-percent of the target's objects unless the request allowed more: see {@link Prune}) and the
 *   backups.</li>
 * </ul>
 */
@ApplicationScoped
public class MediaSync {
    private static final Logger LOG = Logger.getLogger(MediaSync.class);
    public static final String RESTAGE_PREFIX = ".restage/";

    private final RestageConfig config;
    private final MediaJournal journal;
    private final Buckets buckets = new Buckets();
    private final PlaceholderStore placeholders = new PlaceholderStore(buckets);
    private final VersionRestore versions = new VersionRestore(buckets);
    /** Bytes read from the start of an image to learn its dimensions (keep-dimensions placeholders). */
    static final long IMAGE_HEADER_BYTES = 64 * 1024;
    private final Heartbeats beats;
    /** Objects journaled in one statement, ahead of their copies. */
    static final int JOURNAL_CHUNK = 500;
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
                    : command instanceof Command.UndoMedia
                    ? new MediaReply.MediaUndoFailed(Message.newId(), id, Instant.now(), "undo refused: " + refusal)
                    : new MediaReply.MediaPruneFailed(Message.newId(), id, Instant.now(), "prune refused: " + refusal));
            return;
        }
        // the copy and its revert are step MEDIA_COPY (its action and its compensation), the prune MEDIA_PRUNE
        String step = command instanceof Command.PruneMedia ? "MEDIA_PRUNE" : command instanceof Command.UndoMedia ? "UNDO" : "MEDIA_COPY";
        try (Heartbeats.Work work = beats.begin(command.refreshId(), step)) {
            if (command instanceof Command.CopyMedia c) {
                copy(c, publish, work);
            } else if (command instanceof Command.RevertMedia r) {
                revert(r, publish);
            } else if (command instanceof Command.PruneMedia p) {
                prune(p, publish);
            } else if (command instanceof Command.UndoMedia u) {
                undo(u, publish);
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
                : command instanceof Command.RevertMedia rv ? rv.target()
                : command instanceof Command.UndoMedia u ? u.target() : null;
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
                publish.accept(new MediaReply.MediaCopied(Message.newId(), id, Instant.now(), n[0], n[1], n[2], n[3], n[4], n[5]));
            }
            return; // reverted or pruned: a late duplicate changes nothing
        }
        journal.begin(id, cmd.source(), cmd.target());
        Counters n = new Counters();
        try {
            BucketConfig from = Buckets.bucketOf(config.environment(cmd.source()));
            BucketConfig to = Buckets.bucketOf(config.environment(cmd.target()));
            buckets.requireBucket(from);
            buckets.requireBucket(to);
            boolean versioned = buckets.versioned(to);
            if (versioned) {
                LOG.infof("refresh %s: bucket '%s' keeps versions: what this refresh overwrites stays as a version, not a copy", id, to.name());
            }
            MediaPolicy policy = config.policyFor(cmd.source()).media();
            long began = System.nanoTime();
            long plannedAt;
            try (WorkSpill spill = new WorkSpill()) {
                long planned = plan(id, cmd.target(), policy, from, to, spill, n);
                plannedAt = System.nanoTime();
                long skipped = n.unchanged.get() + n.missing.get();
                work.progress(skipped, planned, "objects", bytesDetail(0, spill.bytes()));
                execute(id, spill, from, to, versioned, work, n, skipped, planned);
            }
            journal.finish(id, Status.COPIED, n);
            LOG.infof("refresh %s: media copied (%s): %d written (%d placeholders, %d overwritten, %d bytes), %d unchanged,"
                    + " %d referenced but missing, %d at a time; planned in %d ms, written in %d ms", id,
                    policy.guided() ? "guided by the database" : "mirror", n.copied.get(), n.placeholders.get(), n.overwritten.get(),
                    n.bytes.get(), n.unchanged.get(), n.missing.get(), parallelism, (plannedAt - began) / 1_000_000,
                    (System.nanoTime() - plannedAt) / 1_000_000);
            io.micrometer.core.instrument.MeterRegistry m = io.micrometer.core.instrument.Metrics.globalRegistry;
            m.counter("restage.media.copy.objects", "target", cmd.target(), "outcome", "copied").increment(n.copied.get());
            m.counter("restage.media.copy.objects", "target", cmd.target(), "outcome", "unchanged").increment(n.unchanged.get());
            m.counter("restage.media.copy.objects", "target", cmd.target(), "outcome", "placeholder").increment(n.placeholders.get());
            m.counter("restage.media.copy.bytes", "target", cmd.target()).increment(n.bytes.get());
            publish.accept(new MediaReply.MediaCopied(Message.newId(), id, Instant.now(), n.copied.get(), n.unchanged.get(),
                    n.overwritten.get(), n.bytes.get(), n.placeholders.get(), n.missing.get()));
        } catch (Exception e) {
            journal.set(id, Status.FAILED);
            String reason = "media copy from '" + cmd.source() + "' to '" + cmd.target() + "' failed after " + n.copied.get()
                    + " objects: " + Failures.describe(e);
            LOG.errorf("refresh %s: %s", id, reason);
            publish.accept(new MediaReply.MediaCopyFailed(Message.newId(), id, Instant.now(), reason));
        }
    }

    /** What the copy counted so far (shared by the copiers). */
    public static final class Counters {
        public final AtomicLong copied = new AtomicLong();
        public final AtomicLong unchanged = new AtomicLong();
        public final AtomicLong overwritten = new AtomicLong();
        public final AtomicLong bytes = new AtomicLong();
        public final AtomicLong placeholders = new AtomicLong();
        public final AtomicLong missing = new AtomicLong();
    }

    /**
     * Streams the plan (mirror, or guided by the keys the staged rows reference) and spills what must be written;
     * counts the rest. Answers how many keys the plan covered.
     */
    private long plan(String id, String target, MediaPolicy policy, BucketConfig from, BucketConfig to, WorkSpill spill,
                      Counters n) throws Exception {
        Iterator<Listed> source = buckets.listing(from, policy.prefix(), "the source bucket's listing");
        Iterator<Listed> existing = buckets.listing(to, policy.prefix(), "the target bucket's listing");
        long planned = 0;
        if (!policy.guided()) {
            for (Iterator<MediaPlan.Step> it = MediaPlan.mirror(source, existing); it.hasNext(); planned++) {
                take(it.next(), spill, n);
            }
            return planned;
        }
        try (ReferencedKeys keys = ReferencedKeys.staged(Connections.open(config.environment(target), "restage-media"), id, policy)) {
            if (!keys.unavailable().isEmpty()) {
                LOG.warnf("refresh %s: media key columns %s are not in the staged rows: they reference nothing", id, keys.unavailable());
            }
            AtomicLong outside = new AtomicLong();
            Iterator<Referenced> managed = new java.util.Iterator<>() {
                private Referenced next = advance();

                private Referenced advance() {
                    while (keys.hasNext()) {
                        Referenced r = keys.next();
                        if (policy.manages(r.key())) {
                            return r;
                        }
                        n.missing.incrementAndGet(); // outside the prefix restage manages: not copied
                        outside.incrementAndGet();
                    }
                    return null;
                }

                @Override
                public boolean hasNext() {
                    return next != null;
                }

                @Override
                public Referenced next() {
                    Referenced out = next;
                    next = advance();
                    return out;
                }
            };
            for (Iterator<MediaPlan.Step> it = MediaPlan.guided(managed, source, existing); it.hasNext(); planned++) {
                take(it.next(), spill, n);
            }
            return planned + outside.get();
        }
    }

    private static void take(MediaPlan.Step s, WorkSpill spill, Counters n) throws java.io.IOException {
        switch (s.kind()) {
            case UNCHANGED -> n.unchanged.incrementAndGet();
            case MISSING -> n.missing.incrementAndGet();
            case COPY, PLACEHOLDER -> spill.add(s);
        }
    }

    /**
     * Writes the spilled work, up to {@code parallelism} objects at once; each object is journaled (and backed up if
     * it is overwritten) before it is written, so a revert undoes exactly what happened, whatever the interleaving. The
     * first failure stops the rest.
     */
    private void execute(String id, WorkSpill spill, BucketConfig from, BucketConfig to, boolean versioned, Heartbeats.Work work,
                         Counters n, long skipped, long planned) throws Exception {
        AtomicLong seen = new AtomicLong();
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(parallelism * 2);
        java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(() -> {
                org.jboss.logging.MDC.put("refreshId", id); // every line of a copier names its refresh
                r.run();
            }, "media-copy");
            t.setDaemon(true);
            return t;
        });
        try {
            Iterator<WorkSpill.Work> it = spill.read();
            while (it.hasNext() && failure.get() == null) {
                // journaled a chunk at a time, before any of the chunk is written: one statement per chunk instead of a
                // commit per object (a journaled key that is then not written is harmless to revert: nothing to remove
                // or restore)
                List<WorkSpill.Work> chunk = new ArrayList<>(JOURNAL_CHUNK);
                while (it.hasNext() && chunk.size() < JOURNAL_CHUNK) {
                    chunk.add(it.next());
                }
                journal.recordAll(id, chunk.stream().filter(w -> w.targetEtag() == null).map(WorkSpill.Work::key).toList(), Action.ADDED);
                journal.recordAll(id, chunk.stream().filter(w -> w.targetEtag() != null).map(WorkSpill.Work::key).toList(),
                        Action.OVERWRITTEN);
                for (WorkSpill.Work w : chunk) {
                    inFlight.acquire();
                    if (failure.get() != null) {
                        inFlight.release();
                        break;
                    }
                    pool.execute(() -> {
                        try {
                            write(id, w, from, to, versioned, n);
                            work.progress(skipped + seen.incrementAndGet(), planned, "objects", bytesDetail(n.bytes.get(), spill.bytes()));
                        } catch (Exception e) {
                            failure.compareAndSet(null, e);
                        } finally {
                            inFlight.release();
                        }
                    });
                }
            }
            inFlight.acquire(parallelism * 2); // every started copy has ended
        } finally {
            pool.shutdownNow();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private void write(String id, WorkSpill.Work w, BucketConfig from, BucketConfig to, boolean versioned, Counters n)
            throws Exception {
        if (w.kind() == MediaPlan.Kind.PLACEHOLDER) {
            Buckets.Stat src = buckets.stat(from, w.key());
            Placeholders.Dimensions dims = null;
            Placeholders.Type type = Placeholders.typeOf(src.contentType(), w.key());
            if (w.keepDimensions() && Placeholders.sized(type)) {
                dims = Placeholders.dimensionsOf(buckets.head(from, w.key(), IMAGE_HEADER_BYTES));
            }
            PlaceholderStore.Stored p = placeholders.ensure(to, Placeholders.of(src.contentType(), w.key(), dims));
            if (p.etag().equals(w.targetEtag())) {
                n.unchanged.incrementAndGet(); // the target already holds this placeholder
                return;
            }
            keepAside(id, w, to, versioned, n);
            recordWritten(id, w, versioned, buckets.copyWithin(to, p.key(), w.key(), p.size()));
            n.placeholders.incrementAndGet();
            n.copied.incrementAndGet();
            n.bytes.addAndGet(p.size());
            return;
        }
        keepAside(id, w, to, versioned, n);
        recordWritten(id, w, versioned, buckets.copy(from, w.key(), to, w.key(), w.size(), w.sourceEtag()));
        n.copied.incrementAndGet();
        n.bytes.addAndGet(w.size());
    }

    /**
     * Backs the target's current object up first if there is one (the write is journaled already): in a bucket that
     * keeps versions by journaling its version ID (the write adds a version above it), otherwise by a copy aside.
     */
    private void keepAside(String id, WorkSpill.Work w, BucketConfig to, boolean versioned, Counters n) throws Exception {
        if (w.targetEtag() == null) {
            return;
        }
        Buckets.Stat current = buckets.stat(to, w.key());
        if (versioned && current.versionId() != null) {
            journal.priorVersion(id, w.key(), current.versionId());
        } else if (!buckets.exists(to, backupKey(id, w.key()))) {
            // an earlier attempt of this refresh's copy may have backed it up and then written it: that backup is the
            // object as it was before the refresh, the key now holds the refresh's own copy
            buckets.copyWithin(to, w.key(), backupKey(id, w.key()), current.size());
        }
        n.overwritten.incrementAndGet();
    }

    /** Journals the version a copy wrote to a key it added, in a bucket that keeps versions (for {@link #takeAway}). */
    private void recordWritten(String id, WorkSpill.Work w, boolean versioned, String version) throws Exception {
        if (versioned && version != null && w.targetEtag() == null) {
            journal.writtenVersion(id, w.key(), version);
        }
    }

    /**
     * Removes a key the refresh added: in a bucket that keeps versions, the versions it wrote go for good (the key is
     * absent as before, no copy left behind; nothing to do if an earlier try removed them, where a delete would only
     * stack a delete marker); otherwise, or if the version it wrote is unknown, a plain delete.
     */
    private void takeAway(BucketConfig to, MediaJournal.Entry e) throws Exception {
        if (e.writtenVersion() != null) {
            versions.removeFrom(to, e.key(), e.writtenVersion());
        } else {
            buckets.remove(to, e.key());
        }
    }

    /**
     * Puts back what a journal entry overwrote or pruned: its prior version (a bucket that keeps versions) or the copy
     * kept at {@code aside}. 1 if something was put back, 0 if it was back already (an earlier try); a version that is
     * gone is counted in {@code gone[0]}.
     */
    private int putBack(BucketConfig to, MediaJournal.Entry e, String aside, long[] gone) throws Exception {
        if (e.priorVersion() == null) {
            return restore(to, aside, e.key());
        }
        VersionRestore.Outcome o = versions.restore(to, e.key(), e.priorVersion());
        if (o == VersionRestore.Outcome.GONE) {
            gone[0]++;
        }
        return o == VersionRestore.Outcome.RESTORED ? 1 : 0;
    }

    /** Fails an undo or revert that could not put every object back, after it put back all it could. */
    private static void requireNoneGone(long gone, BucketConfig to) {
        if (gone > 0) {
            throw new IllegalStateException(gone + " objects could not be put back: the versions they had before the refresh"
                    + " are no longer in bucket '" + to.name() + "' (deleted, or expired by a lifecycle rule on noncurrent"
                    + " versions: keep them at least as long as keep-generations refreshes)");
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
                long[] counts = new long[2];
                long[] gone = new long[1];
                journal.forEachEntry(id, e -> {
                    if (e.action() == Action.ADDED) {
                        takeAway(to, e);
                        counts[0]++;
                    } else {
                        counts[1] += putBack(to, e, backupKey(id, e.key()), gone);
                    }
                });
                requireNoneGone(gone[0], to);
                removed = counts[0];
                restored = counts[1];
                removeArea(to, RESTAGE_PREFIX + id + "/");
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
            publish.accept(journal.prunedReply(id));
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
            MediaPolicy policy = config.policyFor(cmd.source()).media();
            Prune.Outcome o = new Prune(buckets, journal).run(id, policy, from, to,
                    policy.guided() ? () -> ReferencedKeys.live(Connections.open(config.environment(cmd.target()), "restage-media"), policy)
                            : null, cmd.allowOverCap());
            journal.pruned(id, o.deleted(), o.targetObjects(), o.held());
            // what this refresh overwrote and pruned stays aside for its undo, for as many refreshes as the database
            // keeps generations; older refreshes' areas go
            for (String old : journal.beyondGenerations(cmd.target(), config.environment(cmd.target()).keepGenerations())) {
                removeArea(to, RESTAGE_PREFIX + old + "/");
                journal.set(old, Status.EXPIRED);
            }
            if (o.held() != null) {
                LOG.warnf("refresh %s: media prune held: %s", id, o.held());
            } else {
                LOG.infof("refresh %s: media pruned: %d orphans of %d target objects deleted", id, o.deleted(), o.targetObjects());
            }
            io.micrometer.core.instrument.Metrics.globalRegistry.counter("restage.media.prune.objects", "target", cmd.target())
                    .increment(o.deleted());
            publish.accept(new MediaReply.MediaPruned(Message.newId(), id, Instant.now(), o.deleted(), o.targetObjects(), o.held()));
        } catch (Exception e) {
            String reason = "media prune in '" + cmd.target() + "' failed: " + Failures.describe(e);
            LOG.errorf("refresh %s: %s", id, reason);
            publish.accept(new MediaReply.MediaPruneFailed(Message.newId(), id, Instant.now(), reason));
        }
    }

    /**
     * Puts the target's bucket back as it was before the refresh, after the database's undo: objects it added removed,
     * objects it overwrote restored from their backups, objects its prune deleted restored from where it kept them.
     */
    void undo(Command.UndoMedia cmd, Consumer<Event> publish) throws Exception {
        String id = cmd.refreshId();
        Optional<Status> status = journal.status(id);
        if (status.isPresent() && status.get() == Status.UNDONE) {
            long[] n = journal.undoCounts(id);
            publish.accept(new MediaReply.MediaUndone(Message.newId(), id, Instant.now(), n[0], n[1]));
            return;
        }
        if (status.isEmpty() || (status.get() != Status.PRUNED && status.get() != Status.COPIED)) {
            String reason = status.isPresent() && status.get() == Status.EXPIRED
                    ? "the media this refresh overwrote or pruned are no longer kept (newer refreshes of '" + cmd.target()
                    + "' pushed them out of the generations kept: environments." + cmd.target() + ".keep-generations)"
                    : "refresh " + id + " left no media to undo (status " + status.map(Enum::name).orElse("none") + ")";
            publish.accept(new MediaReply.MediaUndoFailed(Message.newId(), id, Instant.now(), reason));
            return;
        }
        try {
            BucketConfig to = Buckets.bucketOf(config.environment(cmd.target()));
            long[] counts = new long[2];
            long[] gone = new long[1];
            journal.forEachEntry(id, e -> {
                switch (e.action()) {
                    case ADDED -> {
                        takeAway(to, e);
                        counts[0]++;
                    }
                    case OVERWRITTEN -> counts[1] += putBack(to, e, backupKey(id, e.key()), gone);
                    case PRUNED -> counts[1] += putBack(to, e, Prune.asideKey(id, e.key()), gone);
                }
            });
            requireNoneGone(gone[0], to);
            removeArea(to, RESTAGE_PREFIX + id + "/");
            journal.undone(id, counts[0], counts[1]);
            LOG.infof("refresh %s: media undone: %d removed, %d restored", id, counts[0], counts[1]);
            publish.accept(new MediaReply.MediaUndone(Message.newId(), id, Instant.now(), counts[0], counts[1]));
        } catch (Exception e) {
            String reason = "media undo in '" + cmd.target() + "' failed: " + Failures.describe(e)
                    + "; what was kept aside is still there, undo again to finish";
            LOG.errorf("refresh %s: %s", id, reason);
            publish.accept(new MediaReply.MediaUndoFailed(Message.newId(), id, Instant.now(), reason));
        }
    }

    /** Copies a kept-aside object back to its key; 0 if it is no longer there (restored by an earlier try). */
    private int restore(BucketConfig to, String aside, String key) throws Exception {
        if (!buckets.exists(to, aside)) {
            return 0;
        }
        buckets.copyWithin(to, aside, key, buckets.stat(to, aside).size());
        return 1;
    }

    /** Deletes restage's own area of a refresh (its backups), a thousand keys per request. */
    private void removeArea(BucketConfig b, String prefix) throws Exception {
        java.util.List<String> batch = new java.util.ArrayList<>();
        for (Iterator<Listed> it = buckets.listing(b, prefix, "restage's area " + prefix); it.hasNext(); ) {
            batch.add(it.next().key());
            if (batch.size() == 1000) {
                buckets.removeAll(b, batch);
                batch.clear();
            }
        }
        buckets.removeAll(b, batch);
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
