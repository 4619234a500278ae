package io.restage.common.config;

import java.util.List;

/**
 * A named subset of a source (configuration {@code subsets.<name>}): the refresh copies the roots' world instead of
 * whole tables. {@code roots}: rows chosen by a condition (SQL over the table, e.g. {@code email = 'dev@corp.example'}) or
 * a deterministic sample ({@code percent} of the table's rows, keyed by the policy secret); {@code whole}: tables copied
 * in full (lookups); {@code exclude}: tables left empty; {@code relations}: foreign keys the schema does not declare.
 * See {@code io.restage.common.subset.SubsetClosure} for how the roots' world is closed.
 */
public record SubsetConfig(String name, List<Root> roots, List<String> whole, List<String> exclude, List<Relation> relations) {

    /** A root table: a condition, or a sample of {@code percent} (0 &lt; percent &le; 100) of its rows. */
    public record Root(String table, String condition, Double percent) {
    }

    /** {@code child.column -> parent.column}: each child row references the parent row with the same value. */
    public record Relation(String childTable, String childColumn, String parentTable, String parentColumn) {
        @Override
        public String toString() {
            return childTable + "." + childColumn + " -> " + parentTable + "." + parentColumn;
        }
    }

    public SubsetConfig {
        roots = List.copyOf(roots);
        whole = List.copyOf(whole);
        exclude = List.copyOf(exclude);
        relations = List.copyOf(relations);
    }
}
