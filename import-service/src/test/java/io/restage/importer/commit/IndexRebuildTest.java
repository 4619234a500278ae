package io.restage.importer.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.stack.testing.StackTestResource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The commit's load drops the indexes and keys of big tables and builds them after the rows are in. Table-driven on
 * the real server: for each shape of schema, what is dropped, and that afterwards the catalog (every index and
 * constraint: definition, comment, cluster mark, statistics target, validation, trigger state; every view) and the rows
 * are exactly what a load with the indexes in place gives.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class IndexRebuildTest {

    /** A schema, the tables loaded with their indexes built after (the big ones), all loaded tables, what is dropped. */
    record Shape(String name, List<String> ddl, List<String> big, List<String> loaded, List<String> dropped,
                 List<String> rows) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<String> PARENT_AND_CHILD = List.of(
            "create table ir.p (id int primary key, code text unique, name text)",
            "alter table ir.p add constraint p_name_key unique (name) deferrable initially deferred",
            "comment on constraint p_pkey on ir.p is 'the parent''s key'",
            "create table ir.c (id int primary key, p_id int references ir.p, code text references ir.p (code))",
            "comment on constraint c_p_id_fkey on ir.c is 'child to parent'",
            "create index c_p on ir.c (p_id)",
            "insert into ir.p select i, 'c' || i, 'n' || i from generate_series(1, 200) i",
            "insert into ir.c select i, 1 + i % 200, 'c' || (1 + i % 200) from generate_series(1, 500) i");

    /** More rows in the parent than in the child: validating the child's keys again costs less than it saves. */
    private static final List<String> PARENT_AND_CHILD_ROWS = List.of(
            "insert into ir.p select i, 'c' || i, 'm' || i from generate_series(1, 1000) i",
            "insert into ir.c select i, 1 + i % 1000, 'c' || (1 + i % 1000) from generate_series(1, 900) i");

    private static final List<String> PARTITIONED = List.of(
            "create table ir.m (x int, at date) partition by range (at)",
            "create table ir.m1 partition of ir.m for values from ('2020-01-01') to ('2021-01-01')",
            "create table ir.m2 partition of ir.m for values from ('2021-01-01') to ('2022-01-01')",
            "create index m1_by_hand on ir.m1 (x)",
            "comment on index ir.m1_by_hand is 'named by hand'",
            "create index m_x on ir.m (x)",
            "insert into ir.m select i, date '2020-01-01' + i from generate_series(1, 600) i");

    private static final List<String> PARTITIONED_ROWS =
            List.of("insert into ir.m select i, date '2020-03-01' + i from generate_series(1, 650) i");

    static Stream<Shape> shapes() {
        return Stream.of(
                new Shape("plain, partial and expression indexes with a comment, a cluster mark and a statistics target",
                        List.of("create table ir.a (id int primary key, v text, w int)",
                                "create index a_v on ir.a (lower(v)) where w > 0",
                                "comment on index ir.a_v is 'lower-case lookups'",
                                "alter index ir.a_v alter column 1 set statistics 200",
                                "create index a_w on ir.a (w) with (fillfactor = 70)",
                                "alter table ir.a cluster on a_w",
                                "insert into ir.a select i, 'V' || i, i % 7 from generate_series(1, 100) i"),
                        List.of("ir.a"), List.of("ir.a"), List.of("a_pkey", "a_v", "a_w"),
                        List.of("insert into ir.a select i, 'W' || i, i % 5 from generate_series(1, 400) i")),
                new Shape("keys referenced by foreign keys of loaded tables, a deferrable unique key, comments",
                        PARENT_AND_CHILD, List.of("ir.p", "ir.c"), List.of("ir.p", "ir.c"),
                        List.of("c_p", "c_pkey", "p_code_key", "p_name_key", "p_pkey"), PARENT_AND_CHILD_ROWS),
                new Shape("keys whose foreign keys would be validated over more rows than their table loads stay",
                        PARENT_AND_CHILD, List.of("ir.p", "ir.c"), List.of("ir.p", "ir.c"),
                        List.of("c_p", "c_pkey", "p_name_key"),
                        List.of("insert into ir.p select i, 'c' || i, 'm' || i from generate_series(1, 300) i",
                                "insert into ir.c select i, 1 + i % 300, 'c' || (1 + i % 300) from generate_series(1, 900) i")),
                new Shape("a key referenced from a table the refresh does not load stays",
                        PARENT_AND_CHILD, List.of("ir.p"), List.of("ir.p"), List.of("p_name_key"),
                        List.of("insert into ir.p select i, 'c' || i, 'm' || i from generate_series(1, 300) i")),
                new Shape("a small loaded table's foreign key is validated again; its own indexes stay",
                        PARENT_AND_CHILD, List.of("ir.p"), List.of("ir.p", "ir.c"), List.of("p_code_key", "p_name_key", "p_pkey"),
                        PARENT_AND_CHILD_ROWS),
                new Shape("a view grouping by the primary key keeps it",
                        List.of("create table ir.g (id int primary key, name text)",
                                "create view ir.gv as select g.id, g.name, count(*) as n from ir.g group by g.id",
                                "insert into ir.g select i, 'n' || i from generate_series(1, 50) i"),
                        List.of("ir.g"), List.of("ir.g"), List.of(),
                        List.of("insert into ir.g select i, 'm' || i from generate_series(1, 80) i")),
                new Shape("a partitioned index over loaded partitions, one partition's index named by hand",
                        PARTITIONED, List.of("ir.m1", "ir.m2"), List.of("ir.m1", "ir.m2"), List.of("m_x"), PARTITIONED_ROWS),
                new Shape("a partitioned index with a partition the load does not rebuild stays",
                        PARTITIONED, List.of("ir.m1"), List.of("ir.m1", "ir.m2"), List.of(), PARTITIONED_ROWS),
                new Shape("the replica identity index and an exclusion constraint stay",
                        List.of("create extension if not exists btree_gist",
                                "create table ir.r (id int not null, span int4range, constraint r_no_overlap exclude using gist (span with &&))",
                                "create unique index r_id on ir.r (id)",
                                "alter table ir.r replica identity using index r_id"),
                        List.of("ir.r"), List.of("ir.r"), List.of(),
                        List.of("insert into ir.r select i, int4range(i * 10, i * 10 + 5) from generate_series(1, 100) i")),
                new Shape("a unique index a foreign key uses without a constraint stays; a NOT VALID key stays not validated",
                        List.of("create table ir.u (id int, code text)",
                                "create unique index u_code on ir.u (code)",
                                "create table ir.v (id int primary key, code text)",
                                "alter table ir.v add constraint v_code_fkey foreign key (code) references ir.u (code) not valid"),
                        List.of("ir.u", "ir.v"), List.of("ir.u", "ir.v"), List.of("v_pkey"),
                        List.of("insert into ir.u select i, 'c' || i from generate_series(1, 90) i",
                                "insert into ir.v select i, 'zz' || i from generate_series(1, 90) i")),
                new Shape("new rows that leave a reference dangling: loaded again with every index in place",
                        PARENT_AND_CHILD, List.of("ir.p", "ir.c"), List.of("ir.p", "ir.c"),
                        List.of("c_p", "c_pkey", "p_code_key", "p_name_key", "p_pkey"),
                        List.of("insert into ir.p select i, 'c' || i, 'm' || i from generate_series(1, 1000) i",
                                "insert into ir.c select i, i + 200, 'c' || (1 + i % 1000) from generate_series(1, 900) i")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void buildsAfterTheLoadExactlyWhatALoadWithTheIndexesInPlaceLeaves(Shape shape) throws Exception {
        String url = StackTestResource.stack().jdbcUrl("staging");
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement()) {
            st.execute("drop schema if exists ir cascade");
            st.execute("create schema ir");
            for (String s : shape.ddl()) {
                st.execute(s);
            }
            String catalog = catalog(c);
            // the reference: the same load with every index in place
            List<String> expectedRows = load(c, shape, null, null, null);
            assertEquals(catalog, catalog(c), "the reference load changed the catalog");

            List<String> log = new ArrayList<>();
            List<String> dropped = new ArrayList<>();
            java.util.Map<String, Long> loaded = new java.util.HashMap<>();
            for (String t : shape.loaded()) {
                try (ResultSet rs = st.executeQuery("select count(*) from only " + t)) {
                    rs.next();
                    loaded.put(t, rs.getLong(1)); // what the commit passes: the rows staged per table
                }
            }
            List<String> rows = load(c, shape, loaded, log, dropped);
            assertEquals(shape.dropped(), dropped.stream().map(n -> n.substring(n.lastIndexOf('.') + 1)).sorted().toList());
            assertEquals(expectedRows, rows);
            assertEquals(catalog, catalog(c));
            boolean dangling = shape.name().contains("dangling");
            assertEquals(dangling, log.stream().anyMatch(l -> l.contains("loaded again")), String.join("; ", log));
            st.execute("drop schema ir cascade");
        }
    }

    /** Empties the loaded tables and inserts the shape's rows in one committed transaction, as the commit does. */
    /** With {@code loaded} (rows per loaded table), through {@link IndexRebuild}; without, with every index in place. */
    private static List<String> load(Connection c, Shape shape, java.util.Map<String, Long> loaded, List<String> log,
                                     List<String> dropped) throws Exception {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("set local session_replication_role = replica");
            Committer.empty(c, shape.loaded());
            IndexRebuild.Load<Integer> rows = () -> {
                try (Statement s = c.createStatement()) {
                    for (String sql : shape.rows()) {
                        s.execute(sql);
                    }
                }
                return shape.rows().size();
            };
            if (loaded != null) {
                IndexRebuild.load(c, shape.big(), loaded, rows, log::add, dropped::addAll);
            } else {
                rows.run();
            }
            c.commit();
        } catch (Exception e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            for (String t : shape.loaded()) {
                try (ResultSet rs = st.executeQuery("select string_agg(t::text, ',' order by t::text) from " + t + " t")) {
                    rs.next();
                    out.add(t + ": " + rs.getString(1));
                }
            }
        }
        return out;
    }

    /** Every index, constraint and view of the schema, with what a rebuild could lose. */
    private static String catalog(Connection c) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select string_agg(d, E'\\n' order by d) from (
                  select format('index %s: %s clustered=%s replident=%s comment=%s stats=%s valid=%s', x.relname,
                         pg_get_indexdef(i.indexrelid), i.indisclustered, i.indisreplident,
                         obj_description(i.indexrelid, 'pg_class'),
                         (select string_agg(attnum || '=' || attstattarget, ',') from pg_attribute
                          where attrelid = i.indexrelid and attstattarget >= 0), i.indisvalid) d
                  from pg_index i join pg_class x on x.oid = i.indexrelid join pg_namespace n on n.oid = x.relnamespace
                  where n.nspname = 'ir'
                  union all
                  select format('constraint %s on %s: %s validated=%s comment=%s index=%s triggers=%s', k.conname,
                         k.conrelid::regclass, pg_get_constraintdef(k.oid), k.convalidated,
                         obj_description(k.oid, 'pg_constraint'), k.conindid::regclass,
                         (select string_agg(g.tgenabled::text || ':' || g.tgrelid::regclass, ',' order by g.tgrelid::regclass::text,
                                 g.tgenabled) from pg_trigger g where g.tgconstraint = k.oid))
                  from pg_constraint k where k.connamespace = 'ir'::regnamespace
                  union all
                  select format('view %s: %s', viewname, definition) from pg_views where schemaname = 'ir'
                ) x
                """)) {
            rs.next();
            String s = rs.getString(1);
            assertTrue(s != null && !s.isEmpty());
            return s;
        }
    }
}
