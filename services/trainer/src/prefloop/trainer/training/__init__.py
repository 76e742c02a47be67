"""DPO rounds: data split, the TRL run, and the round that registers a version."""
