package io.restage.orchestrator.saga;

/**
 * A refresh's overall state. FAILED and CANCELLED mean: compensated, the target is as it was. UNDOING and UNDONE
 * follow SUCCEEDED when an operator asks for the previous data back.
 */
public enum RefreshStatus {
    RUNNING, COMPENSATING, SUCCEEDED, FAILED, CANCELLED, COMPENSATION_FAILED, UNDOING, UNDONE;

    /** While active, no other refresh or undo may touch the same target. */
    public boolean active() {
        return this == RUNNING || this == COMPENSATING || this == UNDOING;
    }
}
