package io.restage.common;

/**
 * The one definition of which tables are the application's, shared by the export (what to read) and the import
 * (what the target has): plain tables and partitions ({@code relkind = 'r'}), outside the system schemas and
 * outside restage's own ({@code restage} for the audit, {@code restage_stage_*} for staging,
 * {@code restage_gen_*} for the generations kept for undo). Use with the
 * catalog aliases {@code c} (pg_class) and {@code n} (pg_namespace).
 */
public final class PgCatalog {
    public static final String APPLICATION_TABLES = "c.relkind = 'r'"
            + " and n.nspname not in ('pg_catalog', 'information_schema', 'restage')"
            + " and n.nspname not like 'pg\\_%' and n.nspname not like 'restage\\_stage\\_%'"
            + " and n.nspname not like 'restage\\_gen\\_%'";

    private PgCatalog() {
    }
}
