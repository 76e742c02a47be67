"""The users' preference pairs as a dataset a person can take to TRL."""
