"""A real glance-api on 127.0.0.1, for the demo and the functional tests."""
