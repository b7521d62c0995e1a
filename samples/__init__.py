"""Sample and simulated terms for the demo, tests and benchmarks: generators
that drive the fund through its commands, kept out of the application."""
