"""What the tests and the benchmarks both run: the Twilio stub, the fault and race
harnesses, and the records they write. Not application code (nothing under dispatcher/,
callbacks/ or workers/ imports it), and not a test module: tests/ and bench/ import from
here, never from each other."""
