"""The labelling page: a person picks, edits or rejects titles; each choice is feedback."""
