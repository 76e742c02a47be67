"""POST /v1/suggestions: N distinct clean titles for a video idea."""
