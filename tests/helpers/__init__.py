"""Test doubles and harnesses: scripted models, a loopback stub server, crash and fault helpers."""
