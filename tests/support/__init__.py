"""Helpers the tests, benchmarks and the demo share that the collection itself does not use."""
