"""Canary decisions from the feedback service's interleaved win rates."""
