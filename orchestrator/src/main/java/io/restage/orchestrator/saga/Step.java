package io.restage.orchestrator.saga;

/**
 * The steps of a refresh. VALIDATE is the policy check, run by the export inside its snapshot. Their order, their
 * participants and the pivot are declared in {@link SagaDefinition}.
 */
public enum Step {
    VALIDATE, EXPORT, ANONYMIZE, STAGE, MEDIA_COPY, COMMIT, MEDIA_PRUNE, FINISH
}
