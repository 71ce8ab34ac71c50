"""Reliability and security: bad input, hostile strings, atomic output, secrets that never leak."""
