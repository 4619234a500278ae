-- What every participant (export, anonymizer, import, media) keeps in the state database, whatever its own ledger:
-- its reply outbox, the messages it acted on (replay guard), and the per-refresh data keys of sealed batches.
-- Several services may share one state database and migrate at the same moment, each with its own history table:
-- the advisory lock (held to the end of this migration's transaction) keeps their "create if not exists" apart.
-- Every statement is idempotent, so a database made by a release before migrations is taken over as it is.
select pg_advisory_xact_lock(hashtext('restage-participant-schema'));

create table if not exists ${outbox} (
    id bigserial primary key,
    refresh_id text not null,
    body text not null,
    created_at timestamptz not null default now()
);

create table if not exists restage_processed_message (
    service text not null,
    event_id text not null,
    processed_at timestamptz not null default now(),
    primary key (service, event_id)
);

create table if not exists restage_data_key (
    refresh_id text primary key,
    wrapped bytea,
    created_at timestamptz not null default now(),
    destroyed_at timestamptz
);
