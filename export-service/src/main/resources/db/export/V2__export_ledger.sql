-- The export service's ledger: one row per refresh it exports, with the lease of the instance running it.
select pg_advisory_xact_lock(hashtext('restage-participant-schema'));

create table if not exists export_refresh (
    refresh_id text primary key,
    status text not null,
    started_at timestamptz not null default now(),
    finished_at timestamptz
);
alter table export_refresh add column if not exists owner text;
alter table export_refresh add column if not exists lease_until timestamptz;
alter table export_refresh add column if not exists cancel_requested boolean not null default false;
alter table export_refresh add column if not exists attempt int not null default 1;
alter table export_refresh add column if not exists request text;
alter table export_refresh add column if not exists validated boolean not null default false;
