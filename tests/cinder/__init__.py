"""Cinder with contrib/cinder's patch against a real glance-api.

These tests need .venv-cinder (Cinder's released source with the patch
applied); the fixture in base.py creates it with tools/cinder-env.sh on
first use.
"""
