package io.restage.common.policy;

import java.util.Map;
import java.util.Set;

/**
 * What the policy language knows about one transformer, shared by every service that reads a policy: the
 * orchestrator and the export check it, the anonymizer implements it. Each implementation returns its own entry.
 *
 * @param name          the name a rule uses, e.g. {@code email}
 * @param parameters    parameter name to a one-line description (every transformer also takes {@code audit})
 * @param acceptedTypes {@code format_type()} prefixes of the column types it can write; empty means any type
 * @param uniqueness    whether distinct inputs stay distinct (a unique index or primary key survives)
 * @param audited       whether the leak audit fingerprints the column's source values by default
 * @param redraw        when the anonymizer draws a fake again because it equals a source value
 */
public record TransformerSpec(String name, String description, Map<String, String> parameters,
                              Set<String> acceptedTypes, Uniqueness uniqueness, boolean audited, Redraw redraw) {

    /**
     * When a fake is drawn again (deterministically: the k-th re-draw is keyed by k). Only transformers that may
     * break uniqueness re-draw: a re-draw of a uniqueness-preserving one would break its bijection.
     */
    public enum Redraw {
        /** Never: the output cannot equal a source value by construction (reserved domains, markers, hashes). */
        NEVER,
        /** When the fake equals its own source value (a first name drawn as itself). */
        SELF,
        /**
         * When the fake equals its own source value or any other source value of the column in the same batch; a
         * coincidence with a value of another batch is left to the leak audit, which fails the refresh.
         */
        BATCH
    }

    /** What a transformer does to distinct values. */
    public enum Uniqueness {
        /** Distinct inputs give distinct outputs: unique indexes survive. */
        PRESERVES,
        /** Every value becomes NULL: fine on a unique index (NULLs are distinct), not on a primary key. */
        NULLS,
        /** Distinct inputs may give equal outputs: a unique index would break. */
        BREAKS
    }

    /** Whether this transformer can write a column of {@code type} ({@code format_type()} text of its base type). */
    public boolean accepts(String type) {
        if (acceptedTypes.isEmpty()) {
            return true;
        }
        String t = type.toLowerCase();
        if (t.endsWith("[]")) {
            return acceptedTypes.contains(t); // arrays only where declared: "text[]" is not "text"
        }
        for (String a : acceptedTypes) {
            if (t.equals(a) || t.startsWith(a + "(") || t.startsWith(a + " ")) {
                return true;
            }
        }
        return false;
    }
}
