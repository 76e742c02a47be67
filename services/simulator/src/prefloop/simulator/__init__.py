"""prefloop simulator: simulated users with a hidden taste, for the demo, load and learning checks."""
