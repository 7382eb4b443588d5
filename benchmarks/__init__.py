"""Benchmarks: what the SDK costs over raw HTTP, paging at scale, emulator throughput.

Every figure is a ratio against a baseline measured in the same run, on the same machine,
interleaved where possible, so a noisy shared machine moves both sides alike.
"""
