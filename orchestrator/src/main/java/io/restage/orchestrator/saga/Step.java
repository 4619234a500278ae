package io.restage.orchestrator.saga;

/** The steps of a refresh, in order. VALIDATE is the policy check, run by the export inside its snapshot. COMMIT is the pivot: before it everything is undone on failure, after it the rest retries until done. */
public enum Step {
    VALIDATE, EXPORT, ANONYMIZE, STAGE, MEDIA_COPY, COMMIT, MEDIA_PRUNE, FINISH;

    public boolean beforePivot() {
        return ordinal() < COMMIT.ordinal();
    }
}
