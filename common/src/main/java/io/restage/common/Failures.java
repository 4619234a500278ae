package io.restage.common;

import java.sql.SQLException;

/**
 * Turns an exception into a one-line reason for events and logs. Only the exception's own message is used, never
 * server-side details (PostgreSQL's DETAIL lines can quote row values; restage connects with
 * {@code logServerErrorDetail=false} so the driver leaves them out too).
 */
public final class Failures {

    public static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root && (root.getMessage() == null
                || root instanceof java.util.concurrent.ExecutionException || root instanceof java.util.concurrent.CompletionException)) {
            root = root.getCause();
        }
        String msg = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        int nl = msg.indexOf('\n');
        if (nl > 0) {
            msg = msg.substring(0, nl);
        }
        if (root instanceof SQLException sql) {
            msg = withholdValues(msg);
            if (sql.getSQLState() != null) {
                msg = msg + " (SQLSTATE " + sql.getSQLState() + ")";
            }
        }
        return msg.length() > 1000 ? msg.substring(0, 1000) + "..." : msg;
    }

    /**
     * PostgreSQL quotes the offending value in some messages ({@code invalid input syntax for type integer: "abc"},
     * {@code value "99999" is out of range}, {@code malformed array literal: "..."}); a value may be personal data,
     * so it is withheld. Quoted identifiers elsewhere in the message stay.
     */
    static String withholdValues(String msg) {
        return msg.replaceAll(": \"(?:[^\"]|\"\")*\"\\s*$", ": <value withheld>")
                .replaceAll("value \"(?:[^\"]|\"\")*\"", "value <withheld>")
                .replaceAll("(literal|input): \"(?:[^\"]|\"\")*\"", "$1: <value withheld>");
    }

    /** Whether trying again can help. */
    public enum Kind { TRANSIENT, PERMANENT }

    /**
     * SQLSTATEs that say "try again" rather than "this is wrong": connection exceptions (class 08), serialization
     * failure and deadlock (40001, 40P01), a lock not granted within {@code lock_timeout} (55P03), a server shutting
     * down, crashed or starting up (57P01, 57P02, 57P03: a failover), too many connections (53300) and a cancelled
     * statement (57014, what {@code statement_timeout} raises).
     */
    private static final java.util.Set<String> TRANSIENT_SQLSTATES = java.util.Set.of(
            "40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300", "57014");

    /**
     * The one failure classifier: typed by exception class and SQLSTATE, never by message text. Transient: I/O and
     * timeouts, the SQLSTATEs above, and Kafka's retriable errors (broker unavailable, not leader, timeout).
     * Everything else is permanent: a business failure becomes a failure event at once.
     */
    public static Kind classify(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.io.IOException || c instanceof java.util.concurrent.TimeoutException
                    || c instanceof org.apache.kafka.common.errors.RetriableException) {
                return Kind.TRANSIENT;
            }
            if (c instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || TRANSIENT_SQLSTATES.contains(sql.getSQLState()))) {
                return Kind.TRANSIENT;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return Kind.PERMANENT;
    }

    public static boolean isRetriable(Throwable t) {
        return classify(t) == Kind.TRANSIENT;
    }

    private Failures() {
    }
}
