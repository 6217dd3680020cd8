"""Accelerated compression and decompression for Glance's image import."""
