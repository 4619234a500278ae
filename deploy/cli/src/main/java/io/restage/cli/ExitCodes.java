package io.restage.cli;

/**
 * What {@code deploy/restage} exits with, so a script can tell the outcomes apart. Documented in the README and in
 * {@code deploy/restage --help}.
 */
public final class ExitCodes {
    /** Done: the refresh (or undo) succeeded, or the command did what it was asked. */
    public static final int OK = 0;
    /** restage could not be reached, or answered something unexpected (a 5xx, a broken connection). */
    public static final int ERROR = 1;
    /** The command line is wrong (unknown option, missing argument); nothing was sent. */
    public static final int USAGE = 2;
    /** The server refused the request (a 4xx: bad confirmation, missing acknowledgement, no token, busy target), or a
     * check found problems (policy check, config validate). Nothing started. */
    public static final int REFUSED = 3;
    /** The refresh failed (compensated: the target is as it was), or the undo failed (the target is unchanged). */
    public static final int FAILED = 4;
    /** The refresh was cancelled (compensated: the target is as it was). */
    public static final int CANCELLED = 5;
    /** A compensation failed: the target needs an operator (see the refresh's report). */
    public static final int COMPENSATION_FAILED = 6;
    /** {@code --wait}/{@code --follow} gave up after {@code --timeout}; the refresh goes on. */
    public static final int TIMEOUT = 7;

    /** The exit code of a refresh that has ended, or -1 while it is still active. */
    public static int forRefreshStatus(String status) {
        return switch (status) {
            case "SUCCEEDED", "UNDONE" -> OK;
            case "FAILED" -> FAILED;
            case "CANCELLED" -> CANCELLED;
            case "COMPENSATION_FAILED" -> COMPENSATION_FAILED;
            case "RUNNING", "COMPENSATING", "UNDOING" -> -1;
            default -> ERROR;
        };
    }

    private ExitCodes() {
    }
}
