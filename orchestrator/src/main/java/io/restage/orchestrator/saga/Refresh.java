package io.restage.orchestrator.saga;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One refresh's saga state, everything the report shows. Plain and mutable: the transitions table changes it,
 * the persistence layer stores it as JSON next to its optimistic-lock version.
 */
public class Refresh {
    public String id;
    public String source;
    public String target;
    public String requestedBy;
    public boolean media;
    /**
     * The media copy runs beside the database pipeline, from the moment the policy check passed: the policy mirrors the
     * bucket, so the copy needs nothing from the rows. False when the policy guides the copy by the staged rows (it
     * then starts once they are staged), and for refreshes stored before this field existed.
     */
    public boolean mediaAlongside;
    /** The named subset the refresh copies (configuration subsets), or null for whole tables. */
    public String subset;
    /** For a subset: the source's largest value per sequence-fed column, for the target's sequences. */
    public Map<String, Long> sourceMaxima = new TreeMap<>();
    /** The request allowed the media prune to delete more than the policy's media.max-delete-percent. */
    public boolean allowMediaDeletes;
    public List<String> skipAnonymizers = new ArrayList<>();
    public RefreshStatus status = RefreshStatus.RUNNING;
    public boolean cancelRequested;
    public String error;
    public Instant createdAt;
    public Instant updatedAt;
    public Instant finishedAt;
    public Map<Step, StepState> steps = new EnumMap<>(Step.class);
    public Map<String, TableStats> tables = new TreeMap<>();
    public List<String> exportedTables;
    /** When the export's (last) snapshot of the source was opened: the data's as-of time, shown by the staging marker. */
    public Instant snapshotAt;
    public List<String> anonymizersRan = new ArrayList<>();
    public List<String> anonymizersSkipped = new ArrayList<>();
    public List<String> excludedTables = new ArrayList<>();
    public List<String> skippedTables = new ArrayList<>();
    public List<String> missingTables = new ArrayList<>();
    public List<String> droppedColumns = new ArrayList<>();
    public List<String> defaultedColumns = new ArrayList<>();
    public List<String> convertedColumns = new ArrayList<>();
    public MediaStats mediaStats = new MediaStats();
    /** The policy check (VALIDATE): what it looked at, and the problems that refused the refresh. */
    public PolicyStats policy = new PolicyStats();
    public List<String> policyProblems = new ArrayList<>();
    /** The target's post-refresh hooks and how each went (from the commit). */
    public List<io.restage.common.messages.ImportReply.HookResult> hooks = new ArrayList<>();
    /** The leak audit run before the pivot; null until staging completes. */
    public io.restage.common.messages.ImportReply.LeakAudit leakAudit;
    /** Set once an undo was asked for. */
    public UndoState undo;
    /** Set once the export reported the refresh's data key destroyed (after the saga ended). */
    public ShredState shredded;
    public int retryAttempts;
    public Instant retryAt;
    /** Snapshots the export opened: 1, more when an interrupted export started over (only the last one's data counts). */
    public int exportAttempts = 1;
    /** What the report should tell beyond the status: late confirmations, an abort, a step that ended unconfirmed. */
    public List<String> notes = new ArrayList<>();

    /** Crypto-shredding after the end: when, whether a key was destroyed, how many consumed batch records went. */
    public static class ShredState {
        public Instant at;
        public boolean keyDestroyed;
        public long recordsDeleted;
    }

    public static class StepState {
        public StepStatus status = StepStatus.PENDING;
        public Instant startedAt;
        public Instant endedAt;
        public String error;
        /** Null until the step is undone: COMPENSATING, COMPENSATED or COMPENSATION_FAILED. */
        public StepStatus compensation;
        public Instant compensationStartedAt;
        /** The last reply or heartbeat of the step's participant. */
        public Instant lastHeardAt;
        /** The latest heartbeat's count, or null. */
        public Progress progress;
        /**
         * The step (or its compensation) ended without an answer (deadline or abort): its outcome is unknown until the
         * participant answers, and a late answer is still recorded.
         */
        public boolean unconfirmed;
    }

    /** What the participant last said it had done: {@code done} of {@code total} {@code unit}, busy with {@code detail}. */
    public static class Progress {
        public long done;
        public long total;
        public String unit;
        public String detail;
    }

    public static class TableStats {
        public Long exported;
        public Long anonymized;
        public Long staged;
        public Long imported;
        /** The source's row estimate (its statistics, not a count), or null. */
        public Long estimate;
        /** While a step runs: rows so far by stage (exported, anonymized, staged), summed over the participant's instances. */
        public Map<String, Long> live;
    }

    /** Heartbeat counts: step -> instance -> table -> rows so far (summed into {@link TableStats#live}). */
    public Map<String, Map<String, Map<String, Long>>> liveRows = new TreeMap<>();

    /** Records an instance's rows-so-far for a step and recomputes each table's live count of that stage. */
    public void liveRows(Step step, String stage, String instance, Map<String, Long> rows) {
        Map<String, Map<String, Long>> byInstance = liveRows.computeIfAbsent(step.name(), k -> new TreeMap<>());
        byInstance.put(instance, new TreeMap<>(rows));
        Map<String, Long> sum = new TreeMap<>();
        byInstance.values().forEach(m -> m.forEach((t, n) -> sum.merge(t, n, Long::sum)));
        sum.forEach((t, n) -> {
            TableStats ts = table(t);
            if (ts.live == null) {
                ts.live = new TreeMap<>();
            }
            ts.live.put(stage, n);
        });
    }

    /** Forgets every live count (the export started over). */
    public void clearLive() {
        liveRows.clear();
        tables.values().forEach(t -> t.live = null);
    }

    public static class UndoState {
        public StepStatus status;
        public String requestedBy;
        public Instant requestedAt;
        public Instant endedAt;
        public String error;
        public Instant lastHeardAt;
        /** Ended without an answer: a late ImportUndone is still recorded. */
        public boolean unconfirmed;
        public Map<String, Long> restored = new TreeMap<>();
        /** The bucket's undo, after the database's (null when the refresh copied no media). */
        public StepStatus mediaStatus;
        public Instant mediaRequestedAt;
        public long mediaRemoved;
        public long mediaRestored;
        public String mediaError;
    }

    public static class PolicyStats {
        public int tables;
        public int columns;
        public int sampledValues;
    }

    public static class MediaStats {
        public long copied;
        public long unchanged;
        public long overwritten;
        public long bytes;
        public long pruned;
        public long removedByRevert;
        public long restoredByRevert;
        /** Objects written as placeholders of personal files (policy media.placeholders). */
        public long placeholders;
        /** Keys the refreshed rows reference that the source bucket lacks (nothing to copy). */
        public long missing;
        /** Objects the target held under the policy's prefix when the prune looked. */
        public long targetObjects;
    }

    public static Refresh start(String id, String source, String target, String requestedBy, boolean media,
                                List<String> skip, Instant now) {
        Refresh r = new Refresh();
        r.id = id;
        r.source = source;
        r.target = target;
        r.requestedBy = requestedBy;
        r.media = media;
        r.skipAnonymizers = new ArrayList<>(skip);
        r.createdAt = now;
        r.updatedAt = now;
        for (Step s : Step.values()) {
            r.steps.put(s, new StepState());
        }
        return r;
    }

    public StepState step(Step s) {
        return steps.computeIfAbsent(s, k -> new StepState());
    }

    public StepStatus statusOf(Step s) {
        return step(s).status;
    }

    public TableStats table(String name) {
        return tables.computeIfAbsent(name, k -> new TableStats());
    }
}
