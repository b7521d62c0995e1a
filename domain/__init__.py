"""Pure business rules of the supervised after-school fund: no I/O, no clock."""
