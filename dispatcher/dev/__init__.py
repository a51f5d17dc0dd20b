"""For development only: the demo office (`flask seed-demo`) and the supervisor that
`bin/serve` runs (web, worker, sweeper and embedded Redis in one command)."""
