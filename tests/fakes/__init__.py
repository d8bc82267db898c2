"""Loopback stand-ins for the services Clameur reads from, speaking their wire formats."""
