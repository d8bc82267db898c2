"""The desk's screens: the desk itself, help and confirmation."""
