"""HTTP API and command line of the fund."""
