-- The benchmark's schema: a shop with one large partitioned table.
create table products (id serial primary key, sku text not null unique, title text not null, price numeric(10, 2) not null,
                       attrs jsonb);
create table customers (id bigserial primary key, email text not null unique, full_name text not null, phone text,
                        created_at timestamptz not null);
create table orders (id bigserial, customer_id bigint not null, placed_at timestamptz not null, status text not null,
                     total numeric(12, 2) not null, note text, primary key (id, placed_at)) partition by range (placed_at);
create table orders_2024q1 partition of orders for values from ('2024-01-01') to ('2024-04-01');
create table orders_2024q2 partition of orders for values from ('2024-04-01') to ('2024-07-01');
create table orders_2024q3 partition of orders for values from ('2024-07-01') to ('2024-10-01');
create table orders_2024q4 partition of orders for values from ('2024-10-01') to ('2025-01-01');
create table order_items (order_id bigint not null, placed_at timestamptz not null, product_id int not null,
                          qty int not null, price numeric(10, 2) not null);
create index orders_customer on orders (customer_id);
create index order_items_order on order_items (order_id);
