"""prefloop trainer: preference pairs from feedback, DPO rounds, the adapter registry."""
