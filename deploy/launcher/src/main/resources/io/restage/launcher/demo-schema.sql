-- The demo application's schema, identical in "production" and "staging".
create table organizations (
    id bigserial primary key,
    name text not null,
    owner_user_id bigint,
    created_at timestamptz not null default now()
);
create table users (
    id bigserial primary key,
    organization_id bigint references organizations (id),
    email text not null unique,
    full_name text not null,
    phone text,
    address text,
    password_hash text not null,
    role text not null default 'member',
    deleted_at timestamptz,
    updated_at timestamptz not null default now()
);
-- A foreign-key cycle: organizations -> users -> organizations.
alter table organizations add constraint organizations_owner_fk foreign key (owner_user_id) references users (id)
    deferrable initially deferred;
create table messages (
    id bigserial primary key,
    sender_id bigint not null references users (id),
    recipient_id bigint references users (id),
    subject text,
    body text not null,
    sent_at timestamptz not null
);
create table attachments (
    id bigserial primary key,
    message_id bigint not null references messages (id) on delete cascade,
    object_key text not null,
    filename text not null,
    content_type text not null,
    size_bytes bigint not null
);
create table partner_integrations (
    id serial primary key,
    organization_id bigint references organizations (id),
    partner text not null,
    api_key text,
    api_secret text,
    webhook_url text,
    enabled boolean not null default true
);
-- Each environment's own audit trail: never exported, never overwritten.
create table import_export_audit (
    id bigserial primary key,
    happened_at timestamptz not null default now(),
    actor text not null,
    action text not null
);
-- Excluded by the policy: sessions are never copied.
create table sessions (
    id text primary key,
    user_id bigint references users (id),
    created_at timestamptz not null default now()
);
-- A trigger that would rewrite rows on load if restage let it fire.
create function touch_updated_at() returns trigger language plpgsql as $$
begin
    new.updated_at = now();
    return new;
end $$;
create trigger users_touch before insert or update on users for each row execute function touch_updated_at();
create view active_users as select id, email, full_name from users where deleted_at is null;
