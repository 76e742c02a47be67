"""SuggestionsServed events into the feedback schema; pending feedback resolved."""
