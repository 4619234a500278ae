package io.restage.common.policy;

import java.util.List;
import java.util.Map;

/**
 * The policy check's result for one source: every column with its rule, and every problem that stops a refresh.
 * Values are never included: a problem names the table and column, the kind of content, and how to fix it.
 */
public record PolicyReport(String source, boolean ok, int tables, int columns, int sampledValues,
                           List<ColumnRule> rules, List<Problem> problems) {

    /** A column of the source and what the policy does with it (transformer null: copied unruled). */
    public record ColumnRule(String table, String column, String type, String transformer) {
    }

    /** Why the policy cannot be used as it is. */
    public enum Kind {
        /** The column's name looks personal and no rule covers it. */
        UNRULED_PERSONAL_NAME,
        /** Sampled values look like emails, phone numbers or IBANs and no rule covers the column. */
        UNRULED_PERSONAL_CONTENT,
        /** unruled-columns: refuse-all, and the column has no rule. */
        UNRULED_COLUMN,
        /** A rule names a table the source does not have. */
        UNKNOWN_TABLE,
        /** A rule names a column the table does not have. */
        UNKNOWN_COLUMN,
        /** The transformer cannot write the column's type. */
        WRONG_TYPE,
        /** The transformer can give equal outputs for distinct inputs on a unique index or primary key. */
        BREAKS_UNIQUE,
        /** The transformer writes NULL into a NOT NULL column. */
        NULL_INTO_NOT_NULL,
        /** The source holds data restage cannot copy (large objects). */
        UNSUPPORTED
    }

    /**
     * @param suggest the rule the check suggests ({@code transformer} and its parameters), or null: a draft for a
     *                person to review ({@code POST /api/policies/check} with {@code "suggest": true} answers them as
     *                a policy in YAML)
     */
    public record Problem(Kind kind, String table, String column, String message, Map<String, String> suggest) {
        public Problem(Kind kind, String table, String column, String message) {
            this(kind, table, column, message, null);
        }
    }

    /** The problems as one message, for a refusal or a failed step. */
    public String summary() {
        StringBuilder sb = new StringBuilder("the policy does not cover source '" + source + "' (" + problems.size()
                + " problem" + (problems.size() == 1 ? "" : "s") + "): ");
        for (int i = 0; i < problems.size(); i++) {
            if (i > 0) {
                sb.append("; ");
            }
            if (i == 20) {
                sb.append("and ").append(problems.size() - 20).append(" more (POST /api/policies/check lists all)");
                break;
            }
            sb.append(problems.get(i).message());
        }
        return sb.toString();
    }
}
