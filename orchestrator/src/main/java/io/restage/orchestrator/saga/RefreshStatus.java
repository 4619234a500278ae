package io.restage.orchestrator.saga;

/** A refresh's overall state. FAILED and CANCELLED mean: compensated, the target is as it was. */
public enum RefreshStatus {
    RUNNING, COMPENSATING, SUCCEEDED, FAILED, CANCELLED, COMPENSATION_FAILED;

    public boolean active() {
        return this == RUNNING || this == COMPENSATING;
    }
}
