-- The media service's ledger: each refresh's copy, and the journal of what it did to each object (for compensation).
select pg_advisory_xact_lock(hashtext('restage-participant-schema'));

create table if not exists media_refresh (
    refresh_id text primary key,
    target text not null,
    status text not null,
    copied bigint,
    unchanged bigint,
    overwritten bigint,
    bytes bigint,
    updated_at timestamptz not null default now()
);
alter table media_refresh add column if not exists source text;
create table if not exists media_journal (
    refresh_id text not null,
    object_key text not null,
    action text not null,
    primary key (refresh_id, object_key)
);
