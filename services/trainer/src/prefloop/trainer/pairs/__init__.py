"""Preference pairs from FeedbackRecorded events."""
