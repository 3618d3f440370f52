"""Tests of the Xapian cluster (issue 18), against real xapian-tcpsrv servers.

A package, so that its conftest and its test_cli.py do not take the names of tests/conftest.py and
tests/test_cli.py (pytest imports test folders without __init__.py by their file names).
"""
