"""Alembic revision scripts (a package so that setuptools installs them)."""
