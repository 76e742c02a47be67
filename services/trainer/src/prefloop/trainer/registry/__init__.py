"""The adapter registry in Postgres; every status change is an AdapterEvent."""
