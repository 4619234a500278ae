package io.restage.orchestrator.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restage.common.messages.AnonymizerReply;
import io.restage.common.messages.Command;
import io.restage.common.messages.ExportReply;
import io.restage.common.messages.ImportReply;
import io.restage.common.messages.MediaReply;
import io.restage.common.messages.Message;
import io.restage.common.messages.RefreshRequested;
import io.restage.common.messages.TableCount;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
        on(r, new ExportReply.ExportStarted("e1", ID, T, List.of("public.users")));
        on(r, new AnonymizerReply.TableAnonymized("e2", ID, T, "public.users", 3, List.of("public.users.email:email"), List.of()));
        on(r, new ExportReply.ExportCompleted("e3", ID, T, List.of(new TableCount("public.users", 3)), List.of()));
        on(r, new ImportReply.StagingCompleted("e4", ID, T, List.of(new TableCount("public.users", 3)), List.of(), List.of(), List.of(), List.of(), List.of(), null));
    }

    @Test
    void shouldRunEveryStepInOrderOnTheHappyPath() {
        Refresh r = begin(true);
        assertInstanceOf(RefreshRequested.class, sent.get(0));
        runPipeline(r);
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
        on(r, new ExportReply.ExportStarted("e1", ID, T, List.of("public.users")));
        on(r, new AnonymizerReply.TableAnonymized("e2", ID, T, "public.users", 3, List.of(), List.of()));
        on(r, new ExportReply.ExportCompleted("e3", ID, T, List.of(new TableCount("public.users", 3)), List.of()));
        on(r, new ImportReply.StagingCompleted("e4", ID, T, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null));
        assertTrue(sent.stream().noneMatch(m -> m instanceof Command.CopyMedia || m instanceof Command.CommitImport));
        on(r, new ExportReply.PolicyValidated("e5", ID, T, 1, 4, 12));
        assertEquals(StepStatus.DONE, r.statusOf(Step.VALIDATE));
        assertInstanceOf(Command.CopyMedia.class, last(), "replies may arrive in any order");
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
        assertTrue(Transitions.apply(r, new RetryDue(), T).ignored(), "not due yet");
        Transitions.Outcome o = Transitions.apply(r, new RetryDue(), r.retryAt);
        assertInstanceOf(Command.PruneMedia.class, o.send().get(0));
        assertEquals(before, sent.size());
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
