"""Probes that find accelerator devices on the host, one module per family."""
