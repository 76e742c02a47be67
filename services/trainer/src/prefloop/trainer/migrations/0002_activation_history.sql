-- depends: 0001_initial
-- Which version was active before this one: what a rollback returns to.
ALTER TABLE adapters ADD COLUMN activated_from text;
