"""Command handlers of the fund: load, decide, save."""
