-- restage.scale customers per 1.0: 10,000 products, 300,000 customers, 2,000,000 orders, 2,000,000 order items.
insert into products (sku, title, price, attrs)
select 'SKU-' || i, 'Product number ' || i || ' with a longer descriptive title', (i % 1000) + 0.99,
       jsonb_build_object('color', (array['red', 'green', 'blue'])[1 + i % 3], 'weight', i % 50)
from generate_series(1, (10000 * current_setting('restage.scale')::numeric)::int) i;
insert into customers (email, full_name, phone, created_at)
select 'customer' || i || '@mail-example.com', 'Customer Name ' || i, '+49 30 ' || lpad(i::text, 8, '0'),
       timestamptz '2020-01-01' + i * interval '7 minutes'
from generate_series(1, (300000 * current_setting('restage.scale')::numeric)::int) i;
insert into orders (customer_id, placed_at, status, total, note)
select 1 + i % (300000 * current_setting('restage.scale')::numeric)::int,
       timestamptz '2024-01-01' + (i % 365) * interval '1 day' + (i % 86400) * interval '1 second',
       (array['new', 'paid', 'shipped', 'returned'])[1 + i % 4], (i % 10000) / 7.0,
       case when i % 5 = 0 then 'gift wrap please, order ' || i end
from generate_series(1, (2000000 * current_setting('restage.scale')::numeric)::int) i;
insert into order_items (order_id, placed_at, product_id, qty, price)
select i, timestamptz '2024-01-01' + (i % 365) * interval '1 day', 1 + i % (10000 * current_setting('restage.scale')::numeric)::int,
       1 + i % 3, (i % 1000) + 0.99
from generate_series(1, (2000000 * current_setting('restage.scale')::numeric)::int) i;
analyze;
