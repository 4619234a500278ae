-- The orchestrator's state database: refreshes (saga state as JSON next to searchable columns), the outbox of commands
-- and requests, the events already applied, and the append-only audit log (names as Hibernate writes them: unquoted,
-- so createdAt is the column createdat). "if not exists": a database created by
-- earlier releases (Hibernate's schema update) is taken over as it is.

create table if not exists refresh (
    id         varchar(255) primary key,
    source     varchar(255)                not null,
    target     varchar(255)                not null,
    status     varchar(255)                not null,
    createdAt timestamp(6) with time zone not null,
    updatedAt timestamp(6) with time zone,
    retryAt   timestamp(6) with time zone,
    version    bigint                      not null,
    state      text                        not null
);

-- at most one active refresh (or undo) per target, so two concurrent requests cannot both start
drop index if exists refresh_one_active_per_target;
create unique index if not exists refresh_one_active_per_target_v2 on refresh (target)
    where status in ('RUNNING', 'COMPENSATING', 'UNDOING');
create index if not exists refresh_created_at on refresh (createdAt desc);

create table if not exists outbox (
    id         varchar(255) primary key,
    refreshId varchar(255)                not null,
    topic      varchar(255)                not null,
    payload    text                        not null,
    createdAt timestamp(6) with time zone not null,
    position   bigint                      not null
);

create table if not exists processed_event (
    eventId     varchar(255) primary key,
    refreshId   varchar(255),
    processedAt timestamp(6) with time zone
);

create table if not exists audit_log (
    id                  varchar(255) primary key,
    at                  timestamp(6) with time zone not null,
    identity            varchar(255)                not null,
    action              varchar(255)                not null,
    source              varchar(255),
    target              varchar(255),
    refreshId          varchar(255),
    skippedAnonymizers text,
    status              integer                     not null,
    outcome             varchar(255)                not null,
    message             text
);
create index if not exists audit_log_at on audit_log (at);

-- the audit log is append-only, also for anyone who reaches the database past the API
create or replace function restage_audit_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'the audit log is append-only: % is not allowed', tg_op;
end $$;
drop trigger if exists audit_log_append_only on audit_log;
create trigger audit_log_append_only before update or delete or truncate on audit_log
    for each statement execute function restage_audit_append_only();

-- every committed change of a refresh is announced: each orchestrator's live feed LISTENs (the dashboard's stream)
create or replace function restage_refresh_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('restage_refresh', new.id);
    return null;
end $$;
drop trigger if exists refresh_changed on refresh;
create trigger refresh_changed after insert or update on refresh
    for each row execute function restage_refresh_changed();
