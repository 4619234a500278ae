package io.restage.orchestrator.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.restage.common.messages.AnonymizerReply;
import io.restage.common.messages.Command;
import io.restage.common.messages.ExportReply;
import io.restage.common.messages.ImportReply;
import io.restage.common.messages.MediaReply;
import io.restage.common.messages.Message;
import io.restage.common.messages.RefreshRequested;
import io.restage.common.messages.StepProgress;
import io.restage.common.messages.TableCount;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TransitionsTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private static final String ID = "refresh-1";

    private final List<Message> sent = new ArrayList<>();

    private Refresh begin(boolean media) {
        Refresh r = Refresh.start(ID, "production", "staging", "ops", media, List.of(), T);
        sent.addAll(Transitions.begin(r, T));
        return r;
    }

    private Transitions.Outcome on(Refresh r, Object event) {
        Transitions.Outcome o = Transitions.apply(r, event, T);
        sent.addAll(o.send());
        return o;
    }

    private void runPipeline(Refresh r) {
        on(r, new ExportReply.PolicyValidated("e0", ID, T, 1, 4, 12));
        on(r, new ExportReply.ExportStarted("e1", ID, T, List.of("public.users"), 1));
        on(r, new AnonymizerReply.TableAnonymized("e2", ID, T, "public.users", 3, List.of("public.users.email:email"), List.of(), 1));
        on(r, new ExportReply.ExportCompleted("e3", ID, T, List.of(new TableCount("public.users", 3)), List.of(), 1));
        on(r, new ImportReply.StagingCompleted("e4", ID, T, List.of(new TableCount("public.users", 3)), List.of(), List.of(), List.of(), List.of(), List.of(), null));
    }

    @Test
    void shouldRunEveryStepInOrderOnTheHappyPath() {
        Refresh r = begin(true);
        assertInstanceOf(RefreshRequested.class, sent.get(0));
        runPipeline(r);
        Command.StageTables tables = find(Command.StageTables.class);
        assertEquals(List.of("public.users"), tables.tables(), "the importer hears the export's tables from the orchestrator");
        assertEquals("staging", tables.target());
        assertInstanceOf(Command.CopyMedia.class, last());
        on(r, new MediaReply.MediaCopied("e5", ID, T, 10, 2, 1, 100));
        assertInstanceOf(Command.CommitImport.class, last());
        assertEquals(List.of("public.users.email:email"), ((Command.CommitImport) last()).anonymizersRan());
        on(r, new ImportReply.ImportCommitted("e6", ID, T, List.of(new TableCount("public.users", 3))));
        assertInstanceOf(Command.PruneMedia.class, last());
        on(r, new MediaReply.MediaPruned("e7", ID, T, 4));
        assertEquals(RefreshStatus.SUCCEEDED, r.status);
        for (Step s : Step.values()) {
            assertEquals(StepStatus.DONE, r.statusOf(s), s.name());
        }
        assertEquals(3L, r.table("public.users").imported);
    }

    private static StepProgress beat(String step, String instance, Map<String, Long> tables) {
        return new StepProgress("b-" + java.util.UUID.randomUUID(), ID, T, "svc", step, -1, -1, "rows", null, instance, tables);
    }

    @Test
    void shouldCountRowsPerTableLiveFromEveryInstancesHeartbeatsAgainstTheSourcesEstimate() {
        Refresh r = begin(false);
        on(r, new ExportReply.PolicyValidated("e0", ID, T, 1, 4, 12));
        on(r, new ExportReply.ExportStarted("e1", ID, T, List.of("public.users", "public.orders"), 1,
                Map.of("public.users", 1000L, "public.orders", 50_000L)));
        assertEquals(1000L, r.table("public.users").estimate);
        assertEquals(50_000L, r.table("public.orders").estimate);

        on(r, beat("EXPORT", "export@a", Map.of("public.users", 400L, "public.orders", 0L)));
        on(r, beat("EXPORT", "export@a", Map.of("public.users", 1000L, "public.orders", 20_000L)));
        assertEquals(1000L, r.table("public.users").live.get("exported"), "a later beat of the same instance replaces its count");
        // two anonymizer instances share the work: their counts add up
        on(r, beat("ANONYMIZE", "anonymizer@a", Map.of("public.orders", 7_000L)));
        on(r, beat("ANONYMIZE", "anonymizer@b", Map.of("public.orders", 5_000L, "public.users", 300L)));
        assertEquals(12_000L, r.table("public.orders").live.get("anonymized"));
        assertEquals(300L, r.table("public.users").live.get("anonymized"));
        // a beat of a step that is not running counts nothing
        on(r, beat("STAGE", "import@a", Map.of("public.orders", 9L)));
        assertEquals(12_000L, r.table("public.orders").live.get("anonymized"));

        // the export starts over: the live counts of the lost snapshot go with it
        on(r, new ExportReply.ExportRestarted("e2", ID, T, 2, "the instance stopped"));
        assertNull(r.table("public.orders").live);
        assertTrue(r.liveRows.isEmpty());
    }

    @Test
    void shouldCarryOnWhenTheExportStartsOverCountingOnlyTheLatestSnapshot() {
        // given: snapshot 1 of the export started and one table passed the anonymizer
        Refresh r = begin(false);
        on(r, new ExportReply.PolicyValidated("e0", ID, T, 1, 4, 12));
        on(r, new ExportReply.ExportStarted("e1", ID, T, List.of("public.users"), 1));
        on(r, new AnonymizerReply.TableAnonymized("e2", ID, T, "public.users", 5, List.of(), List.of(), 1));
        // when: the export's instance dies and another starts it over under snapshot 2
        Transitions.Outcome restarted = on(r, new ExportReply.ExportRestarted("e3", ID, T, 2, "the instance stopped"));
        // then: the refresh goes on, what snapshot 1 counted is forgotten, and the report says why
        assertFalse(restarted.ignored());
        assertEquals(RefreshStatus.RUNNING, r.status);
        assertEquals(StepStatus.RUNNING, r.statusOf(Step.EXPORT));
        assertEquals(2, r.exportAttempts);
        assertNull(r.table("public.users").anonymized);
        assertTrue(r.notes.get(0).contains("started over under snapshot 2") && r.notes.get(0).contains("the instance stopped"), r.notes.toString());
        // and: late answers about snapshot 1 change nothing
        assertTrue(on(r, new AnonymizerReply.TableAnonymized("e4", ID, T, "public.users", 5, List.of(), List.of(), 1)).ignored());
        assertTrue(on(r, new ExportReply.ExportCompleted("e5", ID, T, List.of(new TableCount("public.users", 5)), List.of(), 1)).ignored());
        assertTrue(on(r, new ExportReply.ExportRestarted("e6", ID, T, 2, "redelivered")).ignored(), "a redelivered restart is not counted twice");
        assertNull(r.table("public.users").anonymized);
        assertEquals(StepStatus.RUNNING, r.statusOf(Step.EXPORT));
        assertTrue(sent.stream().noneMatch(m -> m instanceof Command.StageTables), "no table list of a lost snapshot reaches the importer");
        // when: snapshot 2 completes
        on(r, new ExportReply.ExportStarted("e7", ID, T, List.of("public.users"), 2));
        on(r, new AnonymizerReply.TableAnonymized("e8", ID, T, "public.users", 4, List.of(), List.of(), 2));
        on(r, new ExportReply.ExportCompleted("e9", ID, T, List.of(new TableCount("public.users", 4)), List.of(), 2));
        // then: the importer is told to prove snapshot 2, with its counts
        Command.StageTables tables = find(Command.StageTables.class);
        assertEquals(2, tables.attempt());
        assertEquals(4L, r.table("public.users").exported);
        assertEquals(4L, r.table("public.users").anonymized);
        assertEquals(StepStatus.DONE, r.statusOf(Step.ANONYMIZE));
        on(r, new ImportReply.StagingCompleted("e10", ID, T, List.of(new TableCount("public.users", 4)), List.of(), List.of(), List.of(), List.of(), List.of(), null));
        assertInstanceOf(Command.CommitImport.class, last());
    }

    @Test
    void shouldIgnoreAFailureOfAFinishedStepSoNothingCompensatesAfterThePivot() {
        // given: a refresh past its commit, pruning media
        Refresh r = begin(true);
        runPipeline(r);
        on(r, new MediaReply.MediaCopied("e5", ID, T, 10, 2, 1, 100));
        on(r, new ImportReply.ImportCommitted("e6", ID, T, List.of(new TableCount("public.users", 3))));
        int before = sent.size();
        // when: late or forged failures of steps that are done arrive
        for (Object late : List.of(new ImportReply.StagingFailed("x1", ID, T, "late"), new MediaReply.MediaCopyFailed("x2", ID, T, "late"),
                new AnonymizerReply.AnonymizationFailed("x3", ID, T, "public.users", "late"), new ExportReply.ExportFailed("x4", ID, T, "late"),
                new ImportReply.CommitFailed("x5", ID, T, "late"))) {
            // then: each is ignored with the reason, and nothing is sent
            Transitions.Outcome o = on(r, late);
            assertTrue(o.ignored(), late.getClass().getSimpleName());
            assertTrue(o.ignoredBecause().contains("not RUNNING"), o.ignoredBecause());
        }
        assertEquals(RefreshStatus.RUNNING, r.status);
        assertEquals(StepStatus.DONE, r.statusOf(Step.COMMIT));
        assertEquals(StepStatus.DONE, r.statusOf(Step.STAGE));
        assertEquals(before, sent.size(), "no compensation was sent");
        on(r, new MediaReply.MediaPruned("e7", ID, T, 0));
        assertEquals(RefreshStatus.SUCCEEDED, r.status);
    }

    @Test
    void shouldShredTheRefreshsRawDataOnceWhateverTheEnd() {
        // succeeded
        Refresh ok = begin(false);
        runPipeline(ok);
        on(ok, new ImportReply.ImportCommitted("e6", ID, T, List.of()));
        assertEquals(RefreshStatus.SUCCEEDED, ok.status);
        assertShredOnce();
        on(ok, new ExportReply.RefreshDataShredded("s1", ID, T, true, 12));
        assertEquals(12, ok.shredded.recordsDeleted);
        assertTrue(ok.shredded.keyDestroyed);
        // failed (compensated)
        sent.clear();
        Refresh failed = begin(false);
        on(failed, new ExportReply.ExportFailed("e1", ID, T, "source unreachable"));
        on(failed, new ImportReply.StagingDiscarded("e2", ID, T));
        assertEquals(RefreshStatus.FAILED, failed.status);
        assertShredOnce();
        // cancelled
        sent.clear();
        Refresh cancelled = begin(false);
        on(cancelled, new CancelRequested("ops"));
        on(cancelled, new ImportReply.StagingDiscarded("e2", ID, T));
        assertEquals(RefreshStatus.CANCELLED, cancelled.status);
        assertShredOnce();
        // compensation failed
        sent.clear();
        Refresh stuck = begin(false);
        on(stuck, new ExportReply.ExportFailed("e1", ID, T, "source unreachable"));
        on(stuck, new ImportReply.StagingDiscardFailed("e2", ID, T, "target down"));
        assertEquals(RefreshStatus.COMPENSATION_FAILED, stuck.status);
        assertShredOnce();
    }

    private void assertShredOnce() {
        List<Message> shreds = sent.stream().filter(m -> m instanceof Command.ShredRefreshData).toList();
        assertEquals(1, shreds.size(), sent.toString());
        assertEquals(ID, shreds.get(0).refreshId(), "the shred names the refresh that ended");
    }

    @Test
    void shouldCarryTheRiskAcknowledgementInARequestThatSkipsAnonymizers() {
        Refresh r = Refresh.start(ID, "production", "staging", "ops", false, List.of("public.users.email"), T);
        RefreshRequested rr = (RefreshRequested) Transitions.begin(r, T).get(0);
        assertEquals(RefreshRequested.RISK_ACKNOWLEDGEMENT, rr.riskAcknowledgement());
        assertTrue(rr.riskAcknowledged());
        Refresh plain = Refresh.start(ID, "production", "staging", "ops", false, List.of(), T);
        assertEquals(null, ((RefreshRequested) Transitions.begin(plain, T).get(0)).riskAcknowledgement());
    }

    @Test
    void shouldSkipMediaStepsWhenMediaIsOff() {
        Refresh r = begin(false);
        runPipeline(r);
        assertInstanceOf(Command.CommitImport.class, last());
        on(r, new ImportReply.ImportCommitted("e6", ID, T, List.of()));
        assertEquals(RefreshStatus.SUCCEEDED, r.status);
        assertEquals(StepStatus.SKIPPED, r.statusOf(Step.MEDIA_COPY));
    }

    @Test
    void shouldCompensateStagingWithItsOwnRefreshAndTargetWhenExportFails() {
        Refresh r = begin(true);
        on(r, new ExportReply.ExportFailed("e1", ID, T, "source unreachable"));
        assertEquals(RefreshStatus.COMPENSATING, r.status);
        assertTrue(sent.stream().noneMatch(m -> m instanceof Command.CancelExport), "a failed export needs no abort");
        Command.DiscardStaging discard = find(Command.DiscardStaging.class);
        RefreshRequested action = find(RefreshRequested.class);
        assertEquals(action.refreshId(), discard.refreshId());
        assertEquals(action.target(), discard.target());
        on(r, new ImportReply.StagingDiscarded("e2", ID, T));
        assertEquals(RefreshStatus.FAILED, r.status);
        assertEquals("source unreachable", r.error);
        assertEquals(StepStatus.COMPENSATED, r.statusOf(Step.STAGE));
    }

    @Test
    void shouldRefuseARefreshWhosePolicyIsRejectedWithoutExportingAnything() {
        Refresh r = begin(true);
        on(r, new ExportReply.PolicyRejected("e1", ID, T, "the policy does not cover source 'production' (1 problem): ...",
                List.of("column public.users.contact_email (text) looks personal (its name contains 'email') and has no rule")));
        assertEquals(StepStatus.FAILED, r.statusOf(Step.VALIDATE));
        assertEquals(StepStatus.PENDING, r.statusOf(Step.EXPORT), "the export never ran");
        assertTrue(sent.stream().noneMatch(m -> m instanceof Command.CancelExport), "nothing to abort");
        assertEquals(1, r.policyProblems.size());
        Command.DiscardStaging discard = (Command.DiscardStaging) last();
        assertEquals(ID, discard.refreshId());
        on(r, new ImportReply.StagingDiscarded("e2", ID, T));
        assertEquals(RefreshStatus.FAILED, r.status);
        assertTrue(r.error.contains("does not cover"));
        assertTrue(on(r, new ExportReply.PolicyValidated("late", ID, T, 1, 1, 1)).ignored(), "a late reply changes nothing");
    }

    @Test
    void shouldNotStartMediaOrCommitBeforeThePolicyCheckPassed() {
        Refresh r = begin(true);
        on(r, new ExportReply.ExportStarted("e1", ID, T, List.of("public.users"), 1));
        on(r, new AnonymizerReply.TableAnonymized("e2", ID, T, "public.users", 3, List.of(), List.of(), 1));
        on(r, new ExportReply.ExportCompleted("e3", ID, T, List.of(new TableCount("public.users", 3)), List.of(), 1));
        on(r, new ImportReply.StagingCompleted("e4", ID, T, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null));
        assertTrue(sent.stream().noneMatch(m -> m instanceof Command.CopyMedia || m instanceof Command.CommitImport));
        on(r, new ExportReply.PolicyValidated("e5", ID, T, 1, 4, 12));
        assertEquals(StepStatus.DONE, r.statusOf(Step.VALIDATE));
        assertInstanceOf(Command.CopyMedia.class, last(), "replies may arrive in any order");
    }

    /** A refresh whose policy mirrors the bucket: its media copy runs beside the database pipeline. */
    private Refresh beginAlongside() {
        Refresh r = Refresh.start(ID, "production", "staging", "ops", true, List.of(), T);
        r.mediaAlongside = true;
        sent.addAll(Transitions.begin(r, T));
        return r;
    }

    @Test
    void shouldCopyAMirroredBucketBesideThePipelineOnceThePolicyPassedAndCommitAfterBoth() {
        // media first, then the pipeline ends; and the other way round: the commit starts once, after both
        for (boolean mediaFirst : List.of(true, false)) {
            sent.clear();
            Refresh r = beginAlongside();
            assertTrue(sent.stream().noneMatch(m -> m instanceof Command.CopyMedia), "not before the policy check passed");
            on(r, new ExportReply.PolicyValidated("e0", ID, T, 1, 4, 12));
            assertInstanceOf(Command.CopyMedia.class, last(), "started as soon as the policy passed");
            assertEquals(StepStatus.RUNNING, r.statusOf(Step.MEDIA_COPY));
            assertEquals(StepStatus.RUNNING, r.statusOf(Step.STAGE));
            if (mediaFirst) {
                on(r, new MediaReply.MediaCopied("e5", ID, T, 10, 0, 0, 100));
                assertTrue(sent.stream().noneMatch(m -> m instanceof Command.CommitImport), "the rows are not staged yet");
            }
            runPipeline(r); // its PolicyValidated again is ignored (the step is done)
            if (!mediaFirst) {
                assertTrue(sent.stream().noneMatch(m -> m instanceof Command.CommitImport), "the copy still runs");
                on(r, new MediaReply.MediaCopied("e5", ID, T, 10, 0, 0, 100));
            }
            assertEquals(1, sent.stream().filter(m -> m instanceof Command.CopyMedia).count(), "copied once");
            assertEquals(1, sent.stream().filter(m -> m instanceof Command.CommitImport).count(), "committed once");
            on(r, new ImportReply.ImportCommitted("e6", ID, T, List.of(new TableCount("public.users", 3))));
            on(r, new MediaReply.MediaPruned("e7", ID, T, 0));
            assertEquals(RefreshStatus.SUCCEEDED, r.status, "media first: " + mediaFirst);
        }
    }

    @Test
    void shouldRevertABesideCopyStillRunningWhenThePipelineFails() {
        Refresh r = beginAlongside();
        on(r, new ExportReply.PolicyValidated("e0", ID, T, 1, 4, 12));
        on(r, new ImportReply.StagingFailed("e1", ID, T, "value too long"));
        assertInstanceOf(Command.RevertMedia.class, last(), "the copy may have written objects: reverted first");
        assertTrue(sent.stream().noneMatch(m -> m instanceof Command.DiscardStaging), "one compensation at a time");
        assertTrue(on(r, new MediaReply.MediaCopied("e5", ID, T, 10, 0, 0, 100)).ignored(), "a copy ending late changes nothing");
        on(r, new MediaReply.MediaReverted("e6", ID, T, 10, 0));
        assertInstanceOf(Command.DiscardStaging.class, last());
        on(r, new ImportReply.StagingDiscarded("e7", ID, T));
        assertEquals(RefreshStatus.FAILED, r.status);
        assertTrue(sent.stream().noneMatch(m -> m instanceof Command.CommitImport));
    }

    @Test
    void shouldWaitForTheStagedRowsBeforeAGuidedMediaCopy() {
        Refresh r = begin(true); // mediaAlongside false: the policy guides the copy by the staged rows
        on(r, new ExportReply.PolicyValidated("e0", ID, T, 1, 4, 12));
        assertTrue(sent.stream().noneMatch(m -> m instanceof Command.CopyMedia));
        runPipeline(r);
        assertInstanceOf(Command.CopyMedia.class, last());
    }

    @Test
    void shouldAbortTheRunningExportWhenStagingFails() {
        Refresh r = begin(true);
        on(r, new ImportReply.StagingFailed("e1", ID, T, "value too long"));
        Command.CancelExport abort = find(Command.CancelExport.class);
        assertEquals(find(RefreshRequested.class).refreshId(), abort.refreshId());
        assertInstanceOf(Command.DiscardStaging.class, last());
        assertEquals(StepStatus.FAILED, r.statusOf(Step.STAGE), "the failed step stays visibly failed");
        assertEquals(StepStatus.COMPENSATING, r.step(Step.STAGE).compensation, "while its partial work is undone");
        on(r, new ImportReply.StagingDiscarded("e2", ID, T));
        assertEquals(StepStatus.COMPENSATED, r.step(Step.STAGE).compensation);
        assertEquals(RefreshStatus.FAILED, r.status);
    }

    @Test
    void shouldRevertMediaBeforeDiscardingStagingWhenCommitFails() {
        Refresh r = begin(true);
        runPipeline(r);
        Command.CopyMedia copy = (Command.CopyMedia) last();
        on(r, new MediaReply.MediaCopied("e5", ID, T, 1, 0, 0, 1));
        on(r, new ImportReply.CommitFailed("e6", ID, T, "check constraint violated"));
        Command.RevertMedia revert = (Command.RevertMedia) last();
        assertEquals(copy.refreshId(), revert.refreshId());
        assertEquals(copy.target(), revert.target());
        assertTrue(sent.stream().noneMatch(m -> m instanceof Command.DiscardStaging), "one compensation at a time, in reverse order");
        on(r, new MediaReply.MediaReverted("e7", ID, T, 1, 0));
        Command.DiscardStaging discard = (Command.DiscardStaging) last();
        assertEquals(ID, discard.refreshId());
        on(r, new ImportReply.StagingDiscarded("e8", ID, T));
        assertEquals(RefreshStatus.FAILED, r.status);
        assertEquals(StepStatus.FAILED, r.statusOf(Step.COMMIT));
    }

    @Test
    void shouldEndInCompensationFailedWhenAnUndoFails() {
        Refresh r = begin(true);
        runPipeline(r);
        on(r, new MediaReply.MediaCopyFailed("e5", ID, T, "bucket gone"));
        assertInstanceOf(Command.RevertMedia.class, last());
        on(r, new MediaReply.MediaRevertFailed("e6", ID, T, "access denied"));
        assertEquals(RefreshStatus.COMPENSATION_FAILED, r.status);
        assertTrue(r.error.contains("operator action needed"), r.error);
    }

    @Test
    void shouldCancelBeforeThePivotAndRefuseAfterIt() {
        Refresh r = begin(false);
        on(r, new CancelRequested("ops"));
        assertInstanceOf(Command.DiscardStaging.class, last());
        on(r, new ImportReply.StagingDiscarded("e2", ID, T));
        assertEquals(RefreshStatus.CANCELLED, r.status);

        sent.clear();
        Refresh committed = begin(false);
        runPipeline(committed);
        on(committed, new ImportReply.ImportCommitted("e6", ID, T, List.of()));
        Transitions.Outcome o = on(committed, new CancelRequested("ops"));
        assertTrue(o.ignored());
    }

    @Test
    void shouldIgnoreRepliesForStepsThatAreNotRunning() {
        Refresh r = begin(true);
        Transitions.Outcome o = on(r, new MediaReply.MediaCopied("x", ID, T, 1, 0, 0, 1));
        assertTrue(o.ignored(), "media copy never started");
        assertEquals(StepStatus.PENDING, r.statusOf(Step.MEDIA_COPY));
        runPipeline(r);
        int before = sent.size();
        o = on(r, new ImportReply.StagingCompleted("dup", ID, T, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null));
        assertTrue(o.ignored(), "a second StagingCompleted changes nothing");
        assertEquals(before, sent.size());
    }

    @Test
    void shouldRetryPruneAfterThePivotUntilItSucceeds() {
        Refresh r = begin(true);
        runPipeline(r);
        on(r, new MediaReply.MediaCopied("e5", ID, T, 1, 0, 0, 1));
        on(r, new ImportReply.ImportCommitted("e6", ID, T, List.of()));
        on(r, new MediaReply.MediaPruneFailed("e7", ID, T, "timeout"));
        assertEquals(RefreshStatus.RUNNING, r.status, "after the pivot failures are retried, never compensated");
        int before = sent.size();
        assertTrue(on(r, new RetryDue()).ignored(), "not due yet");
        assertEquals(before, sent.size(), "nothing is sent before the retry is due");
        Transitions.Outcome o = onAt(r, new RetryDue(), r.retryAt);
        assertEquals(1, o.send().size());
        Command.PruneMedia again = (Command.PruneMedia) last();
        assertEquals(ID, again.refreshId());
        assertEquals("staging", again.target());
        on(r, new MediaReply.MediaPruned("e8", ID, T, 2));
        assertEquals(RefreshStatus.SUCCEEDED, r.status);
        assertEquals(StepStatus.DONE, r.statusOf(Step.MEDIA_PRUNE));
        assertEquals(2, r.mediaStats.pruned);
    }

    // ---- deadlines, heartbeats, abort, late answers ----

    private static final Deadlines MINUTE = Deadlines.uniform(Duration.ofMinutes(1));

    private Transitions.Outcome onAt(Refresh r, Object event, Instant at) {
        Transitions.Outcome o = Transitions.apply(r, event, at);
        sent.addAll(o.send());
        return o;
    }

    private static StepProgress beat(String step, long done) {
        return new StepProgress(Message.newId(), ID, T, "import-service", step, done, -1, "rows", "public.users");
    }

    @Test
    void shouldFailASilentStepAtItsDeadlineAndCompensate() {
        // given: the pipeline runs, but the import service never says a word
        Refresh r = begin(false);
        on(r, new ExportReply.PolicyValidated("e0", ID, T, 1, 4, 12));
        on(r, new ExportReply.ExportStarted("e1", ID, T, List.of("public.users"), 1));
        onAt(r, new ExportReply.ExportCompleted("e3", ID, T, List.of(new TableCount("public.users", 3)), List.of(), 1), T.plusSeconds(10));
        onAt(r, new AnonymizerReply.TableAnonymized("e2", ID, T, "public.users", 3, List.of(), List.of(), 1), T.plusSeconds(20));
        // when: less than a minute after the anonymizer's last word nothing is overdue
        Transitions.Outcome early = onAt(r, new DeadlineCheck(MINUTE, T), T.plusSeconds(79));
        assertTrue(early.ignored() && early.routine(), early.toString());
        assertEquals(RefreshStatus.RUNNING, r.status);
        // then: past it, STAGE fails with who did not answer, and staging is discarded
        onAt(r, new DeadlineCheck(MINUTE, T), T.plusSeconds(81));
        assertEquals(RefreshStatus.COMPENSATING, r.status);
        assertEquals(StepStatus.FAILED, r.statusOf(Step.STAGE));
        assertEquals("no answer from import-service for STAGE within 1 min", r.error);
        assertInstanceOf(Command.DiscardStaging.class, last());
    }

    @Test
    void shouldCountNoSilenceFromBeforeTheOrchestratorBeganListening() {
        Refresh r = begin(false);
        runPipeline(r);
        assertInstanceOf(Command.CommitImport.class, last());
        // the orchestrator was down for an hour and has just restarted: the replies of that hour are still to be read
        Instant restarted = T.plus(Duration.ofHours(1));
        assertTrue(onAt(r, new DeadlineCheck(MINUTE, restarted), restarted.plusSeconds(30)).ignored());
        assertEquals(RefreshStatus.RUNNING, r.status);
        onAt(r, new DeadlineCheck(MINUTE, restarted), restarted.plusSeconds(61));
        assertEquals(RefreshStatus.COMPENSATION_FAILED, r.status, "a minute after it began listening, silence counts");
    }

    @Test
    void shouldNotFailAStepThatKeepsBeatingHoweverLongItRuns() {
        Refresh r = begin(false);
        runPipeline(r);
        assertInstanceOf(Command.CommitImport.class, last());
        for (int minute = 1; minute <= 30; minute++) {
            Instant at = T.plusSeconds(60L * minute - 10);
            onAt(r, beat("COMMIT", minute), at);
            assertTrue(onAt(r, new DeadlineCheck(MINUTE, T), at.plusSeconds(5)).ignored());
        }
        assertEquals(RefreshStatus.RUNNING, r.status, "a long commit that beats is slow, not dead");
        assertEquals(30, r.step(Step.COMMIT).progress.done, "the latest count is kept for the dashboard");
        assertTrue(on(r, beat("STAGE", 5)).routine(), "a beat for a finished step changes nothing");
    }

    @Test
    void shouldEndASilentCommitUnconfirmedWithoutCompensatingAndRecordTheLateAnswer() {
        Refresh r = begin(true);
        runPipeline(r);
        on(r, new MediaReply.MediaCopied("e5", ID, T, 1, 0, 0, 1));
        int before = sent.size();
        onAt(r, new DeadlineCheck(MINUTE, T), T.plusSeconds(61));
        assertEquals(RefreshStatus.COMPENSATION_FAILED, r.status, "the target is released; an operator decides");
        assertTrue(r.error.contains("whether the commit happened is unknown"), r.error);
        assertTrue(sent.subList(before, sent.size()).stream().noneMatch(m -> m instanceof Command.RevertMedia
                || m instanceof Command.DiscardStaging), "nothing is reverted under data that may be committed");
        // the import service comes back and says the commit happened
        on(r, new ImportReply.ImportCommitted("late", ID, T, List.of(new TableCount("public.users", 3))));
        assertEquals(RefreshStatus.SUCCEEDED, r.status);
        assertEquals(StepStatus.DONE, r.statusOf(Step.COMMIT));
        assertEquals(3L, r.table("public.users").imported);
        assertTrue(r.notes.stream().anyMatch(n -> n.contains("confirmed the commit late")), r.notes.toString());
    }

    @Test
    void shouldFailASilentCompensationThenSendTheRestAndAcceptTheirLateAnswers() {
        // given: the commit failed, the media revert is sent and the media service never answers
        Refresh r = begin(true);
        runPipeline(r);
        on(r, new MediaReply.MediaCopied("e5", ID, T, 1, 0, 0, 1));
        on(r, new ImportReply.CommitFailed("e6", ID, T, "check constraint violated"));
        assertInstanceOf(Command.RevertMedia.class, last());
        // when: the compensation's deadline passes
        onAt(r, new DeadlineCheck(MINUTE, T), T.plusSeconds(61));
        // then: the refresh ends (target released), the staging discard is sent anyway, both await late answers
        assertEquals(RefreshStatus.COMPENSATION_FAILED, r.status);
        assertTrue(r.error.contains("no answer from media-sync-service for the compensation of MEDIA_COPY within 1 min"), r.error);
        assertInstanceOf(Command.DiscardStaging.class, sent.stream().filter(m -> !(m instanceof Command.ShredRefreshData))
                .reduce((a, b) -> b).orElseThrow());
        assertShredOnce();
        on(r, new ImportReply.StagingDiscarded("e7", ID, T));
        assertEquals(RefreshStatus.COMPENSATION_FAILED, r.status, "the media revert is still unconfirmed");
        on(r, new MediaReply.MediaReverted("e8", ID, T, 1, 0));
        assertEquals(RefreshStatus.FAILED, r.status, "every compensation confirmed: the target is as it was");
        assertEquals(StepStatus.COMPENSATED, r.step(Step.MEDIA_COPY).compensation);
        assertEquals(StepStatus.COMPENSATED, r.step(Step.STAGE).compensation);
    }

    @Test
    void shouldAbortAStuckRefreshSendingEveryCompensationAtOnceAndReleaseTheTarget() {
        Refresh r = begin(true);
        runPipeline(r);
        assertInstanceOf(Command.CopyMedia.class, last());
        int before = sent.size();
        on(r, new AbortRequested("alice", "media service is down for maintenance"));
        List<Message> out = sent.subList(before, sent.size());
        assertEquals(RefreshStatus.FAILED, r.status);
        assertFalse(r.status.active(), "the target is released at once");
        assertEquals("aborted by alice: media service is down for maintenance", r.error);
        assertTrue(out.stream().anyMatch(m -> m instanceof Command.RevertMedia), out.toString());
        assertTrue(out.stream().anyMatch(m -> m instanceof Command.DiscardStaging), out.toString());
        assertEquals(1, out.stream().filter(m -> m instanceof Command.ShredRefreshData).count());
        assertEquals(StepStatus.FAILED, r.statusOf(Step.MEDIA_COPY));
        on(r, new ImportReply.StagingDiscarded("e7", ID, T));
        on(r, new MediaReply.MediaReverted("e8", ID, T, 0, 0));
        assertEquals(StepStatus.COMPENSATED, r.step(Step.STAGE).compensation);
        assertEquals(StepStatus.COMPENSATED, r.step(Step.MEDIA_COPY).compensation);
        assertTrue(on(r, new AbortRequested("alice", "again")).ignored(), "an ended refresh cannot be aborted");
    }

    @Test
    void shouldAbortAfterThePivotAndSayWhatCouldNotBeCompensated() {
        // during the commit: its outcome is unknown
        Refresh r = begin(false);
        runPipeline(r);
        on(r, new AbortRequested("alice", "importer OOM-killed"));
        assertEquals(RefreshStatus.COMPENSATION_FAILED, r.status);
        assertTrue(r.error.startsWith("aborted by alice: importer OOM-killed during COMMIT"), r.error);
        assertTrue(r.error.contains("not compensated"), r.error);
        on(r, new ImportReply.CommitFailed("late", ID, T, "rolled back"));
        assertEquals(RefreshStatus.COMPENSATION_FAILED, r.status);
        assertTrue(r.notes.stream().anyMatch(n -> n.contains("keeps its previous data")), r.notes.toString());
        // during the media prune: the data is committed, the refresh succeeded with a note
        sent.clear();
        Refresh p = begin(true);
        runPipeline(p);
        on(p, new MediaReply.MediaCopied("e5", ID, T, 1, 0, 0, 1));
        on(p, new ImportReply.ImportCommitted("e6", ID, T, List.of()));
        on(p, new AbortRequested("alice", "bucket slow"));
        assertEquals(RefreshStatus.SUCCEEDED, p.status);
        assertEquals(StepStatus.FAILED, p.statusOf(Step.MEDIA_PRUNE));
        assertTrue(p.notes.get(0).contains("MEDIA_PRUNE aborted by alice"), p.notes.toString());
        assertShredOnce();
    }

    @Test
    void shouldEndASilentUndoAndRecordItsLateConfirmation() {
        Refresh r = begin(false);
        runPipeline(r);
        on(r, new ImportReply.ImportCommitted("e6", ID, T, List.of()));
        on(r, new UndoRequested("alice"));
        onAt(r, new DeadlineCheck(MINUTE, T), T.plusSeconds(61));
        assertEquals(RefreshStatus.SUCCEEDED, r.status);
        assertTrue(r.undo.error.contains("no answer from import-service for the undo"), r.undo.error);
        on(r, new ImportReply.ImportUndone("late", ID, T, List.of(new TableCount("public.users", 2))));
        assertEquals(RefreshStatus.UNDONE, r.status);
    }

    private static io.restage.common.messages.MessageDeadLettered deadLetter(String service, String type) {
        return new io.restage.common.messages.MessageDeadLettered(Message.newId(), ID, T, service, "refresh.commands", type,
                service + " could not process a " + type + " from refresh.commands (moved to refresh.dead-letter): boom");
    }

    @Test
    void shouldFailTheStepOfAParticipantThatDeadLetteredItsMessageAndNeverGuessACommit() {
        // before the pivot: the participant's step fails and the saga compensates
        Refresh r = begin(false);
        on(r, new ExportReply.PolicyValidated("e0", ID, T, 1, 4, 12));
        on(r, deadLetter("import-service", "StageTables"));
        assertEquals(RefreshStatus.COMPENSATING, r.status);
        assertEquals(StepStatus.FAILED, r.statusOf(Step.STAGE));
        assertTrue(r.error.contains("moved to refresh.dead-letter"), r.error);
        // its compensation dead-lettered too: the refresh ends, an operator looks
        on(r, deadLetter("import-service", "DiscardStaging"));
        assertEquals(RefreshStatus.COMPENSATION_FAILED, r.status);
        // the commit: it may have happened, so nothing is compensated and its outcome stays open
        sent.clear();
        Refresh commit = begin(true);
        runPipeline(commit);
        on(commit, new MediaReply.MediaCopied("e5", ID, T, 1, 0, 0, 1));
        on(commit, deadLetter("import-service", "CommitImport"));
        assertEquals(RefreshStatus.COMPENSATION_FAILED, commit.status);
        assertTrue(commit.step(Step.COMMIT).unconfirmed);
        assertTrue(sent.stream().noneMatch(m -> m instanceof Command.RevertMedia), "no media reverted under a possible commit");
        // a participant with no step waiting: only a note
        Refresh other = begin(false);
        Transitions.Outcome o = on(other, deadLetter("media-sync-service", "PruneMedia"));
        assertFalse(o.ignored());
        assertEquals(RefreshStatus.RUNNING, other.status);
        assertEquals(1, other.notes.size());
    }

    @Test
    void shouldDeclareTheStepOrderOnlyInTheDefinition() {
        assertEquals(List.of(Step.VALIDATE, Step.EXPORT, Step.ANONYMIZE, Step.STAGE),
                SagaDefinition.STEPS.stream().filter(SagaDefinition.StepDef::pipeline).map(SagaDefinition.StepDef::step).toList());
        assertTrue(SagaDefinition.beforePivot(Step.MEDIA_COPY));
        assertFalse(SagaDefinition.beforePivot(Step.COMMIT));
        for (SagaDefinition.StepDef d : SagaDefinition.STEPS) {
            assertEquals(d.step() != Step.FINISH, d.service() != null, d.step() + " names who answers for it");
        }
    }

    private Message last() {
        return sent.get(sent.size() - 1);
    }

    private <T> T find(Class<T> type) {
        return sent.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    @Test
    void shouldUndoASucceededRefreshOnceAndRefuseToUndoTheUndo() {
        Refresh r = begin(false);
        runPipeline(r);
        on(r, new ImportReply.ImportCommitted("e6", ID, T, List.of(new TableCount("public.users", 3))));
        assertEquals(RefreshStatus.SUCCEEDED, r.status);
        on(r, new UndoRequested("alice"));
        assertEquals(RefreshStatus.UNDOING, r.status);
        Command.UndoImport undo = (Command.UndoImport) last();
        assertEquals(ID, undo.refreshId());
        assertEquals("staging", undo.target());
        assertEquals("alice", undo.requestedBy());
        assertTrue(on(r, new UndoRequested("bob")).ignored(), "one undo at a time");
        on(r, new ImportReply.ImportUndone("e7", ID, T, List.of(new TableCount("public.users", 9))));
        assertEquals(RefreshStatus.UNDONE, r.status);
        assertEquals(9L, r.undo.restored.get("public.users"));
        Transitions.Outcome again = on(r, new UndoRequested("alice"));
        assertTrue(again.ignored() && again.ignoredBecause().contains("cannot be undone"), again.toString());
    }

    private Refresh succeededWithMedia() {
        Refresh r = begin(true);
        runPipeline(r);
        on(r, new MediaReply.MediaCopied("e5", ID, T, 10, 2, 1, 100, 3, 0));
        on(r, new ImportReply.ImportCommitted("e6", ID, T, List.of(new TableCount("public.users", 3))));
        on(r, new MediaReply.MediaPruned("e7", ID, T, 4, 40, null));
        assertEquals(RefreshStatus.SUCCEEDED, r.status);
        return r;
    }

    @Test
    void shouldUndoTheBucketAfterTheDatabase() {
        Refresh r = succeededWithMedia();
        assertEquals(3, r.mediaStats.placeholders);
        assertEquals(40, r.mediaStats.targetObjects);
        on(r, new UndoRequested("alice"));
        assertInstanceOf(Command.UndoImport.class, last());
        on(r, new ImportReply.ImportUndone("u1", ID, T, List.of(new TableCount("public.users", 9))));
        assertEquals(RefreshStatus.UNDOING, r.status, "the database is back; the bucket is next");
        Command.UndoMedia media = (Command.UndoMedia) last();
        assertEquals("staging", media.target());
        assertEquals(ID, media.refreshId());
        on(r, new MediaReply.MediaUndone("u2", ID, T, 10, 5));
        assertEquals(RefreshStatus.UNDONE, r.status);
        assertEquals(StepStatus.DONE, r.undo.mediaStatus);
        assertEquals(10, r.undo.mediaRemoved);
        assertEquals(5, r.undo.mediaRestored);
        assertTrue(on(r, new MediaReply.MediaUndone("u3", ID, T, 0, 0)).ignored(), "a duplicate changes nothing");
    }

    @Test
    void shouldEndUndoneWhenTheBucketsUndoFailsOrIsSilent() {
        Refresh r = succeededWithMedia();
        on(r, new UndoRequested("alice"));
        on(r, new ImportReply.ImportUndone("u1", ID, T, List.of()));
        on(r, new MediaReply.MediaUndoFailed("u2", ID, T, "bucket 'staging-media' is unreachable"));
        assertEquals(RefreshStatus.UNDONE, r.status, "the database is undone whatever the bucket does");
        assertEquals(StepStatus.FAILED, r.undo.mediaStatus);
        assertTrue(r.notes.stream().anyMatch(n -> n.contains("its media could not be") && n.contains("unreachable")), r.notes.toString());

        sent.clear();
        Refresh silent = succeededWithMedia();
        on(silent, new UndoRequested("alice"));
        on(silent, new ImportReply.ImportUndone("u1", ID, T, List.of()));
        onAt(silent, new DeadlineCheck(MINUTE, T), T.plusSeconds(61));
        assertEquals(RefreshStatus.UNDONE, silent.status);
        assertTrue(silent.undo.mediaError.contains("no answer from media-sync-service"), silent.undo.mediaError);
    }

    @Test
    void shouldNotAskForAMediaUndoWhenTheRefreshCopiedNoMedia() {
        Refresh r = begin(false);
        runPipeline(r);
        on(r, new ImportReply.ImportCommitted("e6", ID, T, List.of()));
        on(r, new UndoRequested("alice"));
        on(r, new ImportReply.ImportUndone("u1", ID, T, List.of()));
        assertEquals(RefreshStatus.UNDONE, r.status);
        assertTrue(sent.stream().noneMatch(m -> m instanceof Command.UndoMedia));
    }

    @Test
    void shouldStaySucceededWhenTheUndoIsRefusedOrRollsBack() {
        Refresh r = begin(false);
        runPipeline(r);
        on(r, new ImportReply.ImportCommitted("e6", ID, T, List.of()));
        on(r, new UndoRequested("alice"));
        on(r, new ImportReply.UndoFailed("e7", ID, T, "refresh other committed into 'staging' after refresh-1"));
        assertEquals(RefreshStatus.SUCCEEDED, r.status, "the target still holds the refresh's data");
        assertEquals(StepStatus.FAILED, r.undo.status);
        assertTrue(r.undo.error.contains("after"));
    }

    @Test
    void shouldRefuseToUndoARefreshThatNeverCommitted() {
        Refresh r = begin(false);
        on(r, new ImportReply.StagingFailed("e1", ID, T, "boom"));
        on(r, new ImportReply.StagingDiscarded("e2", ID, T));
        assertEquals(RefreshStatus.FAILED, r.status);
        Transitions.Outcome o = on(r, new UndoRequested("alice"));
        assertTrue(o.ignored() && o.ignoredBecause().contains("never committed"), o.toString());
    }
}
