"""Mamori (まもり): cybersecurity management for Japanese medical institutions."""

__version__ = "0.1.0"
