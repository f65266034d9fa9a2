"""The loopback-only network guard, for the test process and every process a test starts."""
