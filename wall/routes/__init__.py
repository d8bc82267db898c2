"""The HTTP and WebSocket routes of SPEC.md, one module per audience."""
