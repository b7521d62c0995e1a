"""Read models built from the fund's event log, and the queries over them."""
