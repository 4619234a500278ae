-- The import service's ledger: each refresh's state, and the export's table list (which may arrive before the request).
select pg_advisory_xact_lock(hashtext('restage-participant-schema'));

create table if not exists import_refresh (
    refresh_id text primary key,
    source text not null,
    target text not null,
    status text not null,
    updated_at timestamptz not null default now()
);
create table if not exists import_export_manifest (
    refresh_id text primary key,
    tables text not null
);
alter table import_export_manifest add column if not exists attempt int not null default 1;
