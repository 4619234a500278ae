-- Phone numbers never use exchange 555 (the fictional range fakes come from): a fake never equals a real number.
-- restage.scale 1.0: 5,000 organizations, 100,000 users and addresses, 150,000 memberships, 60,000 pages (about 1.5 KB of
-- text each), 200,000 comments, 500,000 messages (about 500 B each), 120,000 attachments, 20,000 products, 200,000 orders,
-- 500,000 order items, 800,000 events (jsonb), 400,000 measurements in 4 partitions, 5,000 integrations.
create temp table n as select (current_setting('restage.scale')::numeric) s;
insert into organizations (name, plan, settings, created_at)
select 'Organization ' || i, (array['free', 'team', 'enterprise'])[1 + i % 3],
       jsonb_build_object('sso', i % 2 = 0, 'seats', 5 + i % 200, 'billing', jsonb_build_object('currency', 'EUR', 'vat', i % 3 = 0)),
       timestamptz '2019-01-01' + i * interval '1 hour'
from generate_series(1, greatest(10, (5000 * (select s from n))::int)) i;
insert into users (organization_id, email, full_name, phone, password_hash, role, preferences, tags, deleted_at, created_at)
select 1 + i % greatest(10, (5000 * (select s from n))::int), 'user' || i || '@customer-mail.com', 'Firstname' || i || ' Lastname' || i,
       '+1 415 ' || (201 + i % 300) || ' ' || lpad((i % 10000)::text, 4, '0'), '$2a$10$' || md5(i::text) || md5((i * 7)::text),
       case when i = 1 then 'admin' else (array['member', 'editor', 'viewer'])[1 + i % 3] end,
       jsonb_build_object('theme', (array['dark', 'light'])[1 + i % 2], 'locale', 'en-US', 'digest', i % 2 = 0,
                          'contact', jsonb_build_object('email', 'alt' || i || '@customer-mail.com', 'phone', '+1 212 ' || (601 + i % 300) || ' ' || lpad(((i * 7) % 10000)::text, 4, '0'))),
       array['beta', 'tag' || (i % 20)], case when i % 50 = 0 then timestamptz '2024-06-01' end,
       timestamptz '2020-01-01' + i * interval '5 minutes'
from generate_series(1, (100000 * (select s from n))::int) i;
insert into addresses (user_id, street, city, postal_code, country)
select i, i || ' Market Street, Apt ' || (i % 90), (array['San Francisco', 'Berlin', 'London', 'Paris'])[1 + i % 4],
       lpad((i % 99999)::text, 5, '0'), (array['US', 'DE', 'GB', 'FR'])[1 + i % 4]
from generate_series(1, (100000 * (select s from n))::int) i;
insert into memberships (user_id, organization_id, role)
select 1 + i % (100000 * (select s from n))::int, 1 + (i * 7) % greatest(10, (5000 * (select s from n))::int), (array['owner', 'member'])[1 + i % 2]
from generate_series(1, (150000 * (select s from n))::int) i
on conflict do nothing;
insert into pages (organization_id, author_id, title, body, labels, updated_at)
select 1 + i % greatest(10, (5000 * (select s from n))::int), 1 + i % (100000 * (select s from n))::int, 'Runbook page ' || i,
       repeat('This section describes how the team deploys service ' || i % 300 || ' and rolls it back. ', 20),
       array['runbook', 'team' || (i % 40)], timestamptz '2024-01-01' + i * interval '3 minutes'
from generate_series(1, (60000 * (select s from n))::int) i;
insert into comments (page_id, user_id, body, created_at)
select 1 + i % (60000 * (select s from n))::int, 1 + (i * 3) % (100000 * (select s from n))::int,
       'Looks good to me, one question about step ' || i % 12 || ': does it need a maintenance window?',
       timestamptz '2024-01-01' + i * interval '1 minute'
from generate_series(1, (200000 * (select s from n))::int) i;
insert into messages (sender_id, recipient_id, subject, body, sent_at)
select 1 + i % (100000 * (select s from n))::int, 1 + (i * 13) % (100000 * (select s from n))::int, 'Re: ticket ' || i,
       'Hello, thanks for reaching out about ticket ' || i || '. ' || repeat('We looked into the issue and will follow up with details. ', 7),
       timestamptz '2023-01-01' + i * interval '30 seconds'
from generate_series(1, (500000 * (select s from n))::int) i;
insert into attachments (message_id, file_name, content_type, size_bytes, storage_key)
select 1 + (i * 4) % (500000 * (select s from n))::int, 'report-' || i || '.pdf', 'application/pdf', 1000 + i % 900000,
       'attachments/' || (i % 100) || '/' || md5(i::text)
from generate_series(1, (120000 * (select s from n))::int) i;
insert into products (sku, title, description, price, attrs)
select 'SKU-' || i, 'Product ' || i, repeat('A sturdy, well made product for everyday use. ', 4), (i % 1000) + 0.99,
       jsonb_build_object('color', (array['red', 'green', 'blue'])[1 + i % 3], 'weight', i % 50, 'dims', jsonb_build_array(i % 10, i % 20, i % 30))
from generate_series(1, greatest(100, (20000 * (select s from n))::int)) i;
insert into orders (user_id, status, total, placed_at)
select 1 + i % (100000 * (select s from n))::int, (array['new', 'paid', 'shipped', 'returned'])[1 + i % 4], (i % 10000) / 7.0,
       timestamptz '2024-01-01' + i * interval '2 minutes'
from generate_series(1, (200000 * (select s from n))::int) i;
insert into order_items (order_id, line, product_id, qty, price)
select 1 + i / 3 % (200000 * (select s from n))::int, i % 3, 1 + i % greatest(100, (20000 * (select s from n))::int), 1 + i % 4, (i % 1000) + 0.99
from generate_series(0, (500000 * (select s from n))::int - 1) i
on conflict do nothing;
insert into events (occurred_at, user_id, kind, payload)
select timestamptz '2024-01-01' + i * interval '10 seconds', 1 + i % (100000 * (select s from n))::int,
       (array['login', 'view', 'edit', 'export'])[1 + i % 4],
       jsonb_build_object('path', '/pages/' || i % 60000, 'duration_ms', i % 5000, 'agent', 'Mozilla/5.0 (X11; Linux x86_64)')
from generate_series(1, (800000 * (select s from n))::int) i;
insert into measurements (sensor_id, measured_at, value)
select i % 500, timestamptz '2024-01-01' + (i % 365) * interval '1 day' + (i % 86400) * interval '1 second', (i % 1000) / 3.0
from generate_series(1, (400000 * (select s from n))::int) i;
insert into partner_integrations (organization_id, partner, api_token, webhook_url)
select 1 + i % greatest(10, (5000 * (select s from n))::int), (array['stripe', 'slack', 'hubspot'])[1 + i % 3],
       'sk_live_' || md5(i::text) || md5((i + 1)::text), 'https://hooks.partner.example/' || md5(i::text)
from generate_series(1, greatest(10, (5000 * (select s from n))::int)) i;
analyze;
