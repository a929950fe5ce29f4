-- Orders that ended (cancelled, expired) before tickets held anything for them. Orders asks
-- for a hold outside any transaction, so its cancellation can overtake the request: a hold
-- request for an order listed here is refused instead of holding seats nobody will release.
CREATE TABLE ended_orders (
  order_id uuid PRIMARY KEY,
  ended_at timestamptz NOT NULL DEFAULT now()
);
