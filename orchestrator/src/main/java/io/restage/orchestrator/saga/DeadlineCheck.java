package io.restage.orchestrator.saga;

import java.time.Instant;

/**
 * The scheduler's tick: fail whatever has been silent past its deadline. Changes nothing when nothing is overdue.
 * {@code listeningSince} is when this orchestrator started reading replies: nothing counts as silent before it (a
 * restarted orchestrator first catches up on the replies and heartbeats sent while it was down).
 */
public record DeadlineCheck(Deadlines deadlines, Instant listeningSince) {
}
