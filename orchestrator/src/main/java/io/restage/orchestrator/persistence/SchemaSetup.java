package io.restage.orchestrator.persistence;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * What Hibernate's schema update cannot express: at most one active refresh (or undo) per target, enforced by the
 * database so two concurrent requests cannot both start (v2 added UNDOING; the v1 index is replaced), and an audit log
 * that refuses UPDATE, DELETE and TRUNCATE.
 */
@Singleton
public class SchemaSetup {
    void onStart(@Observes StartupEvent ev) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> Panache.getSession().chain(s -> s
                .createNativeQuery("drop index if exists refresh_one_active_per_target").executeUpdate()
                .chain(() -> s.createNativeQuery("create unique index if not exists refresh_one_active_per_target_v2 on refresh (target)"
                        + " where status in ('RUNNING', 'COMPENSATING', 'UNDOING')").executeUpdate())
                // the audit log is append-only, also for anyone who reaches the database past the API
                .chain(() -> s.createNativeQuery("create or replace function restage_audit_append_only() returns trigger"
                        + " language plpgsql as $$ begin raise exception 'the audit log is append-only: % is not allowed', tg_op;"
                        + " end $$").executeUpdate())
                .chain(() -> s.createNativeQuery("drop trigger if exists audit_log_append_only on audit_log").executeUpdate())
                .chain(() -> s.createNativeQuery("create trigger audit_log_append_only before update or delete or truncate"
                        + " on audit_log for each statement execute function restage_audit_append_only()").executeUpdate())
                // every committed change of a refresh is announced (LISTENed by each orchestrator's live feed)
                .chain(() -> s.createNativeQuery("create or replace function restage_refresh_changed() returns trigger"
                        + " language plpgsql as $$ begin perform pg_notify('" + io.restage.orchestrator.live.RefreshFeed.CHANNEL
                        + "', new.id); return null; end $$").executeUpdate())
                .chain(() -> s.createNativeQuery("drop trigger if exists refresh_changed on refresh").executeUpdate())
                .chain(() -> s.createNativeQuery("create trigger refresh_changed after insert or update on refresh"
                        + " for each row execute function restage_refresh_changed()").executeUpdate()))));
    }
}
