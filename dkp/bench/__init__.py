"""Benchmarks at the size of the largest guilds: the data they run on, the figures and the load test."""
