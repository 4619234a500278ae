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

    /** I/O and connection problems are worth retrying; everything else is a business failure. */
    public static boolean isRetriable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.io.IOException || c instanceof java.net.ConnectException
                    || c instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
            if (c instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().equals("40001")
                    || sql.getSQLState().equals("40P01") || sql.getSQLState().equals("57P01"))) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    private Failures() {
    }
}
