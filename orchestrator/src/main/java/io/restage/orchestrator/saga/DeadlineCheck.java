package io.restage.orchestrator.saga;

/** The scheduler's tick: fail whatever has been silent past its deadline. Changes nothing when nothing is overdue. */
public record DeadlineCheck(Deadlines deadlines) {
}
