"""Helpers that several apps need and that know nothing of support: the bottom layer."""
