-- The example migration applied by branch_workflow.lua.
CREATE TABLE IF NOT EXISTS items (
  id    bigserial PRIMARY KEY,
  label text NOT NULL,
  added timestamptz NOT NULL DEFAULT now()
);
INSERT INTO items (label) SELECT 'item ' || g FROM generate_series(1, 1000) g;
