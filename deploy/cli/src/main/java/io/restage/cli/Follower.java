package io.restage.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;

/**
 * Shows a refresh until it ends ({@code status --follow}, {@code refresh --wait}): looks every interval, prints the
 * view when it changed (in a terminal: redrawn in place), and returns the exit code of how it ended.
 */
final class Follower {
    /** What "ended" means for the command that follows. */
    enum Until {
        /** The refresh reached SUCCEEDED, FAILED, CANCELLED or COMPENSATION_FAILED (or UNDONE). */
        REFRESH_ENDS,
        /** Whatever is going on (a refresh, its compensation, an undo) has ended. */
        ACTIVE_ENDS,
        /** An undo that was asked for has ended: UNDONE (0), or refused/failed (4). */
        UNDO_ENDS
    }

    private final Api api;
    private final RestageCli.Clock clock;
    private final PrintWriter out;
    private final boolean terminal;

    Follower(Api api, RestageCli.Clock clock, PrintWriter out, boolean terminal) {
        this.api = api;
        this.clock = clock;
        this.out = out;
        this.terminal = terminal;
    }

    int follow(String id, Duration timeout, Duration interval, Until until) {
        if (interval.isZero() || interval.isNegative()) {
            throw new CliException(ExitCodes.USAGE, "--interval must be positive");
        }
        Instant deadline = clock.now().plus(timeout);
        String shown = null;
        int shownLines = 0;
        while (true) {
            JsonNode r = api.get("/api/refreshes/" + id);
            String view = StatusView.render(r, clock.now());
            if (!view.equals(shown)) {
                if (terminal && shown != null) {
                    out.print("\033[" + shownLines + "F\033[J"); // back to the first line of the last view, clear below
                }
                out.print(view);
                out.flush();
                shown = view;
                shownLines = (int) view.chars().filter(c -> c == '\n').count();
            }
            int code = ended(r, until);
            if (code >= 0) {
                return code;
            }
            if (!clock.now().isBefore(deadline)) {
                out.println("still " + r.path("status").asText() + " after " + StatusView.duration(timeout)
                        + ": stopped waiting (the refresh goes on; deploy/restage status " + id + " --follow)");
                return ExitCodes.TIMEOUT;
            }
            try {
                clock.pause(interval);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.ERROR, "interrupted");
            }
        }
    }

    static int ended(JsonNode r, Until until) {
        String status = r.path("status").asText();
        int code = ExitCodes.forRefreshStatus(status);
        return switch (until) {
            case REFRESH_ENDS, ACTIVE_ENDS -> code;
            case UNDO_ENDS -> {
                if ("UNDOING".equals(status)) {
                    yield -1;
                }
                if ("UNDONE".equals(status)) {
                    yield ExitCodes.OK;
                }
                String undo = r.path("undo").path("status").asText("");
                yield "FAILED".equals(undo) ? ExitCodes.FAILED : undo.isEmpty() ? -1 : ExitCodes.FAILED;
            }
        };
    }
}
