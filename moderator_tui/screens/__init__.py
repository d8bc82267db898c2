"""The desk's modal screens: help and confirmation."""
