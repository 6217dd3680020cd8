"""Glance image import plugins (``glance.image_import.plugins``)."""
