"""Command handlers: small functions over a unit of work that load (within
the actor's scope), decide through the domain, commit and return the log
position. The registry of command to handler is built in ``api.bootstrap``."""
