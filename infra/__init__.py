"""Settings, the PostgreSQL server, logging: imported by the wiring only."""
