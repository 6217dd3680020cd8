"""Compression engines: one module per engine, loaded by entry point.

See ``base.Engine`` for the contract and ``manager`` for how one is chosen.
"""
