package io.restage.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restage.common.config.SubsetConfig;
import io.restage.common.subset.SubsetClosure;
import io.restage.stack.StackProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The subset closure on real schemas, inside a REPEATABLE READ transaction as the export runs it: Pagila's one
 * customer (counts per table equal to an independent walk written here table by table, across payment's partitions),
 * zero dangling references among the chosen rows, a cycle across schemas, a self-reference, a declared relation, a
 * deterministic sample, and an exclusion that would dangle.
 */
class SubsetClosureTest {
    private static StackProcess stack;
    private static final String ONE_CUSTOMER_EMAIL = "MARY.SMITH@sakilacustomer.org";

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("restage-subset-");
        stack = StackProcess.start(dir.resolve("stack"), List.of("pagila", "shapes", "every_shape", "demo"), List.of(), Duration.ofMinutes(3));
        Path pagila = Path.of(SubsetClosureTest.class.getResource("/fixtures/pagila/pagila-schema.sql").toURI()).getParent();
        try (Connection c = Db.open(stack.jdbcUrl("pagila"))) {
            SqlScript.run(c, pagila.resolve("pagila-schema.sql"));
            SqlScript.run(c, pagila.resolve("pagila-data.sql"));
        }
        try (Connection c = Db.open(stack.jdbcUrl("demo"))) {
            DemoData.createSchema(c);
            DemoData.load(c, DemoData.Size.PRODUCTION, "prod", 42);
        }
        Path fixtures = pagila.getParent();
        try (Connection c = Db.open(stack.jdbcUrl("every_shape"))) {
            SqlScript.run(c, fixtures.resolve("every-shape.sql"));
            SqlScript.run(c, "select set_config('restage.rows', '2000', false), set_config('restage.offset', '0', false)");
            SqlScript.run(c, fixtures.resolve("every-shape-data.sql"));
        }
        try (Connection c = Db.open(stack.jdbcUrl("shapes")); Statement st = c.createStatement()) {
            st.execute("create schema crm");
            st.execute("create schema billing");
            // a cycle across schemas: an account's primary contact is a contact of that account
            st.execute("create table crm.account (id int primary key, name text, primary_contact int)");
            st.execute("create table billing.contact (id int primary key, account_id int not null references crm.account(id), email text)");
            st.execute("alter table crm.account add foreign key (primary_contact) references billing.contact(id) deferrable initially deferred");
            // a self-reference: employees and their managers
            st.execute("create table crm.employee (id int primary key, manager_id int references crm.employee(id), account_id int references crm.account(id))");
            // a relation the schema does not declare
            st.execute("create table crm.note (id int primary key, written_by int, body text)");
            st.execute("create table crm.tag (id int primary key, label text)");
            st.execute("begin");
            st.execute("insert into crm.account values (1, 'a', 10), (2, 'b', 20), (3, 'c', null)");
            st.execute("insert into billing.contact values (10, 1, 'x@a'), (11, 1, 'y@a'), (20, 2, 'z@b')");
            st.execute("commit");
            st.execute("insert into crm.employee values (100, null, 3), (101, 100, 3), (102, 101, 1), (103, 100, 2)");
            st.execute("insert into crm.note values (1, 102, 'by 102'), (2, 103, 'by 103'), (3, null, 'nobody')");
            st.execute("insert into crm.tag select g, 'tag ' || g from generate_series(1, 1000) g");
        }
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    /** The export's kind of session: REPEATABLE READ, allowed to fill its temporary table. */
    private static Connection snapshotSession(String db) throws Exception {
        Connection c = Db.open(stack.jdbcUrl(db));
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("set transaction isolation level repeatable read");
        }
        return c;
    }

    private static Set<String> ids(Connection c, String sql) throws Exception {
        Set<String> out = new TreeSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                if (rs.getString(1) != null) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static String in(Set<String> ids) {
        return ids.isEmpty() ? "(null)" : "(" + String.join(", ", ids) + ")";
    }

    @Test
    void oneCustomersWorldInPagila() throws Exception {
        // Pagila does not declare store.manager_staff_id -> staff (a view joins them): the subset declares it
        SubsetConfig subset = new SubsetConfig("one-customer",
                List.of(new SubsetConfig.Root("public.customer", "email = '" + ONE_CUSTOMER_EMAIL + "'", null)),
                List.of(), List.of(), List.of(new SubsetConfig.Relation("public.store", "manager_staff_id", "public.staff", "staff_id")));
        try (Connection c = snapshotSession("pagila")) {
            long start = System.nanoTime();
            SubsetClosure closure = SubsetClosure.compute(c, subset, "pagila-subset-secret-0123456789", t -> false);
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Long> got = new HashMap<>(closure.counts());
            // payments: the partitions' counts summed
            long payments = got.entrySet().stream().filter(e -> e.getKey().startsWith("public.payment_p")).mapToLong(Map.Entry::getValue).sum();

            // the same world, walked by hand: the customer, what references it, what those reference
            Set<String> customer = ids(c, "select customer_id from customer where email = '" + ONE_CUSTOMER_EMAIL + "'");
            Set<String> rentals = ids(c, "select rental_id from rental where customer_id in " + in(customer));
            Set<String> paymentRows = ids(c, "select payment_id || '@' || payment_date from payment where customer_id in " + in(customer)
                    + " or rental_id in " + in(rentals));
            Set<String> inventory = ids(c, "select inventory_id from rental where rental_id in " + in(rentals));
            Set<String> films = ids(c, "select film_id from inventory where inventory_id in " + in(inventory));
            Set<String> filmActors = ids(c, "select actor_id || '/' || film_id from film_actor where film_id in " + in(films));
            Set<String> actors = ids(c, "select actor_id from film_actor where film_id in " + in(films));
            Set<String> filmCategories = ids(c, "select category_id || '/' || film_id from film_category where film_id in " + in(films));
            Set<String> categories = ids(c, "select category_id from film_category where film_id in " + in(films));
            Set<String> languages = ids(c, "select language_id from film where film_id in " + in(films)
                    + " union select original_language_id from film where film_id in " + in(films));
            Set<String> stores = new TreeSet<>(ids(c, "select store_id from customer where customer_id in " + in(customer)
                    + " union select store_id from inventory where inventory_id in " + in(inventory)));
            Set<String> staff = new TreeSet<>(ids(c, "select staff_id from rental where rental_id in " + in(rentals)
                    + " union select staff_id from payment where customer_id in " + in(customer) + " or rental_id in " + in(rentals)));
            int before;
            do { // store <-> staff is a cycle: walk it to its end
                before = stores.size() + staff.size();
                staff.addAll(ids(c, "select manager_staff_id from store where store_id in " + in(stores)));
                stores.addAll(ids(c, "select store_id from staff where staff_id in " + in(staff)));
            } while (stores.size() + staff.size() > before);
            Set<String> addresses = ids(c, "select address_id from customer where customer_id in " + in(customer)
                    + " union select address_id from store where store_id in " + in(stores)
                    + " union select address_id from staff where staff_id in " + in(staff));
            Set<String> cities = ids(c, "select city_id from address where address_id in " + in(addresses));
            Set<String> countries = ids(c, "select country_id from city where city_id in " + in(cities));

            assertEquals(1L, got.get("public.customer"));
            assertEquals((long) rentals.size(), got.get("public.rental"));
            assertEquals(paymentRows.size(), payments, "payments across the partitions");
            assertEquals((long) inventory.size(), got.get("public.inventory"));
            assertEquals((long) films.size(), got.get("public.film"));
            assertEquals((long) filmActors.size(), got.get("public.film_actor"), "the rented films' actors");
            assertEquals((long) actors.size(), got.get("public.actor"));
            assertEquals((long) filmCategories.size(), got.get("public.film_category"));
            assertEquals((long) categories.size(), got.get("public.category"));
            assertEquals((long) languages.size(), got.get("public.language"));
            assertEquals((long) stores.size(), got.get("public.store"));
            assertEquals((long) staff.size(), got.get("public.staff"));
            assertEquals((long) addresses.size(), got.get("public.address"));
            assertEquals((long) cities.size(), got.get("public.city"));
            assertEquals((long) countries.size(), got.get("public.country"));
            Set<String> expectedTables = new TreeSet<>(List.of("public.customer", "public.rental", "public.inventory", "public.film",
                    "public.film_actor", "public.actor", "public.film_category", "public.category", "public.language",
                    "public.store", "public.staff", "public.address", "public.city", "public.country"));
            Set<String> gotTables = new TreeSet<>(got.keySet());
            gotTables.removeIf(t -> t.startsWith("public.payment_p"));
            assertEquals(expectedTables, gotTables, "nothing else: no other customer, no other film");

            // every reference among the chosen rows resolves to a chosen row
            assertEquals(0, dangling(c), "dangling references");
            // the ranges the export's workers read (5 rentals each here) cover the subset's rentals exactly once
            List<String> starts = closure.rangeStarts("public.rental", 5);
            assertEquals((rentals.size() + 4) / 5, starts.size(), starts.toString());
            Set<String> read = new TreeSet<>();
            long readRows = 0;
            for (int i = 0; i < starts.size(); i++) {
                Set<String> part = ids(c, "select rental_id from only public.rental" + closure.rangeFilter("public.rental", starts.get(i),
                        i + 1 < starts.size() ? starts.get(i + 1) : null));
                readRows += part.size();
                read.addAll(part);
            }
            assertEquals(rentals, read);
            assertEquals(rentals.size(), readRows, "no rental read twice");
            System.out.printf("subset one-customer of Pagila: %s rows in %d tables, %d passes, %.2f s%n",
                    got.values().stream().mapToLong(Long::longValue).sum(), got.size(), closure.passes(), seconds);
            c.rollback();
        }
    }

    /** Rows of the subset whose foreign key points at a row outside it, over every declared key. */
    private static long dangling(Connection c) throws Exception {
        long n = 0;
        List<String[]> fks = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select conrelid::regclass::text,"
                + " confrelid::regclass::text, pg_get_constraintdef(oid) from pg_constraint where contype = 'f'")) {
            while (rs.next()) {
                fks.add(new String[]{rs.getString(1), rs.getString(2), rs.getString(3)});
            }
        }
        for (String[] fk : fks) {
            // FOREIGN KEY (a, b) REFERENCES t(x, y)
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("FOREIGN KEY \\(([^)]*)\\) REFERENCES [^(]*\\(([^)]*)\\)").matcher(fk[2]);
            assertTrue(m.find(), fk[2]);
            String[] cc = m.group(1).split(", ");
            String[] pc = m.group(2).split(", ");
            List<String> on = new ArrayList<>();
            List<String> notNull = new ArrayList<>();
            for (int i = 0; i < cc.length; i++) {
                on.add("p." + pc[i] + " = ch." + cc[i]);
                notNull.add("ch." + cc[i] + " is not null");
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from " + fk[0] + " ch"
                    + " where exists (select 1 from pg_temp.restage_subset s where s.toid = ch.tableoid and s.tid = ch.ctid)"
                    + " and " + String.join(" and ", notNull) + " and not exists (select 1 from " + fk[1] + " p join"
                    + " pg_temp.restage_subset s on s.toid = p.tableoid and s.tid = p.ctid where " + String.join(" and ", on) + ")")) {
                rs.next();
                n += rs.getLong(1);
            }
        }
        return n;
    }

    @Test
    void aCycleAcrossSchemasASelfReferenceAndADeclaredRelation() throws Exception {
        SubsetConfig subset = new SubsetConfig("employee-102",
                List.of(new SubsetConfig.Root("crm.employee", "id = 102", null)), List.of(), List.of(),
                List.of(new SubsetConfig.Relation("crm.note", "written_by", "crm.employee", "id")));
        try (Connection c = snapshotSession("shapes")) {
            SubsetClosure closure = SubsetClosure.compute(c, subset, "shapes-subset-secret-0123456789", t -> false);
            Map<String, Long> got = closure.counts();
            // 102 -> manager 101 -> manager 100 (up the self-reference); 102's account 1 -> its primary contact 10, which
            // references account 1 again (the cycle closes); 100 and 101 work for account 3 (no primary contact)
            assertEquals(3L, got.get("crm.employee"), got.toString());
            assertEquals(2L, got.get("crm.account"), "accounts 1 and 3: " + got);
            assertEquals(1L, got.get("billing.contact"), "the primary contact of account 1 only (up rows pull no children): " + got);
            assertEquals(1L, got.get("crm.note"), "the note 102 wrote, through the declared relation: " + got);
            assertEquals(null, got.get("crm.tag"), "an unrelated table gets no row");
            assertEquals(0, dangling(c));
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select count(*) from only crm.tag"
                    + closure.filterFor("crm.tag"))) {
                rs.next();
                assertEquals(0, rs.getLong(1), "the export reads none of a table outside the world");
            }
            c.rollback();
        }
    }

    /** The every-shape fixture: billing.account <-> billing.ledger is a cycle, staff_tree references itself. */
    @Test
    void theEveryShapeFixturesCycleSelfReferenceAndAVirtualRelation() throws Exception {
        SubsetConfig subset = new SubsetConfig("shapes", List.of(new SubsetConfig.Root("public.staff_tree", "id = 30", null),
                new SubsetConfig.Root("billing.ledger", "id = 5", null)), List.of(), List.of(),
                List.of(new SubsetConfig.Relation("public.loose_rows", "a", "public.staff_tree", "id")));
        try (Connection c = snapshotSession("every_shape")) {
            SubsetClosure closure = SubsetClosure.compute(c, subset, "shapes-subset-secret-0123456789", t -> false);
            Map<String, Long> got = closure.counts();
            // staff: 30, everyone below 30 (down the self-reference), and 30's managers up to the chief (up)
            Set<String> down = ids(c, "with recursive d(id) as (select 30 union select s.id from staff_tree s join d on s.manager_id = d.id)"
                    + " select id from d");
            Set<String> up = ids(c, "with recursive u(id, m) as (select id, manager_id from staff_tree where id = 30 union"
                    + " select s.id, s.manager_id from staff_tree s join u on s.id = u.m) select id from u");
            Set<String> staff = new TreeSet<>(down);
            staff.addAll(up);
            assertEquals((long) staff.size(), got.get("public.staff_tree"), "down " + down + " and up " + up);
            // the loose rows that point at a staff member brought down (through the declared relation), none at the managers
            assertEquals(Long.parseLong(ids(c, "select count(*) from loose_rows where a in " + in(down)).iterator().next()),
                    got.getOrDefault("public.loose_rows", 0L));
            // the cycle: ledger 5's account owns ... until the cycle closes; walked by hand here
            Set<String> ledgers = new TreeSet<>(List.of("5"));
            Set<String> accounts = new TreeSet<>();
            int before;
            do {
                before = ledgers.size() + accounts.size();
                accounts.addAll(ids(c, "select id from billing.account where owner_ref in " + in(ledgers))); // down: accounts owned by a chosen ledger
                ledgers.addAll(ids(c, "select id from billing.ledger where account_id in " + in(accounts))); // down: their ledgers
            } while (ledgers.size() + accounts.size() > before);
            accounts.addAll(ids(c, "select account_id from billing.ledger where id in " + in(ledgers))); // up: what they reference
            ledgers.addAll(ids(c, "select owner_ref from billing.account where id in " + in(accounts)));
            assertEquals((long) ledgers.size(), got.get("billing.ledger"), "ledgers " + ledgers);
            assertEquals((long) accounts.size(), got.get("billing.account"), "accounts " + accounts);
            assertEquals(0, dangling(c));
            System.out.printf("subset of the every-shape fixture: %s in %d passes%n", got, closure.passes());
            c.rollback();
        }
    }

    @Test
    void aSampleIsTheSameForTheSameSecretAndNearItsPercent() throws Exception {
        SubsetConfig five = new SubsetConfig("five", List.of(new SubsetConfig.Root("public.customer", null, 5.0)),
                List.of("public.language"), List.of(), List.of());
        Set<String> first;
        long n;
        try (Connection c = snapshotSession("pagila")) {
            SubsetClosure closure = SubsetClosure.compute(c, five, "sample-secret-0123456789abcdef", t -> false);
            n = closure.counts().get("public.customer");
            first = ids(c, "select customer_id from customer where ctid in (select tid from pg_temp.restage_subset"
                    + " where toid = 'customer'::regclass and state = 'D' and via = 0)");
            assertEquals(6L, closure.counts().get("public.language"), "a whole table: every row");
            c.rollback();
        }
        // 599 customers: 5% is 30; a binomial sample stays within 30 +- 3 sigma (about 16)
        assertTrue(n >= 14 && n <= 46, n + " customers");
        try (Connection c = snapshotSession("pagila")) {
            SubsetClosure.compute(c, five, "sample-secret-0123456789abcdef", t -> false);
            assertEquals(first, ids(c, "select customer_id from customer where ctid in (select tid from pg_temp.restage_subset"
                    + " where toid = 'customer'::regclass and state = 'D' and via = 0)"), "the same secret, the same customers");
            c.rollback();
        }
        try (Connection c = snapshotSession("pagila")) {
            SubsetClosure.compute(c, five, "another-secret-0123456789abcdef", t -> false);
            assertTrue(!first.equals(ids(c, "select customer_id from customer where ctid in (select tid from pg_temp.restage_subset"
                    + " where toid = 'customer'::regclass and state = 'D' and via = 0)")), "another secret, another sample");
            c.rollback();
        }
    }

    /**
     * The demo's 1,500 users, 5%: 75 expected; a binomial sample stays within 3 sigma (8.4 users) almost always. The
     * roots are the rows with via 0 (users that reference a root come down too, and are not the sample).
     */
    @Test
    void aFivePercentSampleOfTheDemosUsers() throws Exception {
        SubsetConfig five = new SubsetConfig("five-percent", List.of(new SubsetConfig.Root("public.users", null, 5.0)),
                List.of(), List.of(), List.of());
        Set<String> first;
        try (Connection c = snapshotSession("demo")) {
            SubsetClosure closure = SubsetClosure.compute(c, five, "demo-policy-secret-0123456789", t -> false);
            first = ids(c, "select id from users where ctid in (select tid from pg_temp.restage_subset where toid = 'users'::regclass"
                    + " and state = 'D' and via = 0)");
            assertTrue(first.size() >= 50 && first.size() <= 100, first.size() + " of 1500 users, 75 expected (+-25, 3 sigma)");
            assertEquals(0, dangling(c));
            System.out.printf("subset five-percent of the demo: %d of 1500 users as roots, %s%n", first.size(), closure.counts());
            c.rollback();
        }
        try (Connection c = snapshotSession("demo")) {
            SubsetClosure.compute(c, five, "demo-policy-secret-0123456789", t -> false);
            assertEquals(first, ids(c, "select id from users where ctid in (select tid from pg_temp.restage_subset"
                    + " where toid = 'users'::regclass and state = 'D' and via = 0)"), "two runs, one secret: the same users");
            c.rollback();
        }
    }

    @Test
    void anExclusionThatWouldDangleIsRefusedWithItsCount() throws Exception {
        SubsetConfig subset = new SubsetConfig("no-addresses",
                List.of(new SubsetConfig.Root("public.customer", "customer_id = 1", null)), List.of(), List.of("public.address"), List.of());
        try (Connection c = snapshotSession("pagila")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SubsetClosure.compute(c, subset, "pagila-subset-secret-0123456789", t -> false));
            assertTrue(e.getMessage().contains("reference public.address") && e.getMessage().contains("rows of public.customer"),
                    e.getMessage());
            c.rollback();
        }
    }
}
