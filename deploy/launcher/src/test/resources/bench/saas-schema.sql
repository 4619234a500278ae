-- The SaaS-shaped benchmark schema: contact data in several tables, jsonb, arrays, long text, a table without a key,
-- a partitioned table, integrations with credentials. 17 leaf tables.
create table organizations (id bigserial primary key, name text not null, plan text not null, settings jsonb not null,
                            created_at timestamptz not null);
create table users (id bigserial primary key, organization_id bigint not null references organizations, email text not null unique,
                    full_name text not null, phone text, password_hash text not null, role text not null,
                    preferences jsonb not null, tags text[] not null, deleted_at timestamptz, created_at timestamptz not null);
create table addresses (id bigserial primary key, user_id bigint not null references users, street text not null,
                        city text not null, postal_code text not null, country text not null);
create table memberships (user_id bigint not null references users, organization_id bigint not null references organizations,
                          role text not null, primary key (user_id, organization_id));
create table pages (id bigserial primary key, organization_id bigint not null references organizations,
                    author_id bigint not null references users, title text not null, body text not null,
                    labels text[] not null, updated_at timestamptz not null);
create table comments (id bigserial primary key, page_id bigint not null references pages, user_id bigint not null references users,
                       body text not null, created_at timestamptz not null);
create table messages (id bigserial primary key, sender_id bigint not null references users, recipient_id bigint not null references users,
                       subject text not null, body text not null, sent_at timestamptz not null);
create table attachments (id bigserial primary key, message_id bigint not null references messages, file_name text not null,
                          content_type text not null, size_bytes bigint not null, storage_key text not null);
create table products (id bigserial primary key, sku text not null unique, title text not null, description text not null,
                       price numeric(10, 2) not null, attrs jsonb not null);
create table orders (id bigserial primary key, user_id bigint not null references users, status text not null,
                     total numeric(12, 2) not null, placed_at timestamptz not null);
create table order_items (order_id bigint not null references orders, line int not null, product_id bigint not null references products,
                          qty int not null, price numeric(10, 2) not null, primary key (order_id, line));
-- an append-only event log without a key
create table events (occurred_at timestamptz not null, user_id bigint, kind text not null, payload jsonb not null);
create table measurements (sensor_id int not null, measured_at timestamptz not null, value double precision not null)
    partition by range (measured_at);
create table measurements_q1 partition of measurements for values from ('2024-01-01') to ('2024-04-01');
create table measurements_q2 partition of measurements for values from ('2024-04-01') to ('2024-07-01');
create table measurements_q3 partition of measurements for values from ('2024-07-01') to ('2024-10-01');
create table measurements_q4 partition of measurements for values from ('2024-10-01') to ('2025-01-01');
create table partner_integrations (id bigserial primary key, organization_id bigint not null references organizations,
                                   partner text not null, api_token text not null, webhook_url text not null);
create index users_org on users (organization_id);
create index pages_org on pages (organization_id);
create index messages_recipient on messages (recipient_id);
create index events_time on events (occurred_at);
create index measurements_sensor on measurements (sensor_id, measured_at);
