"""The moderator terminal UI: a Textual client of the Clameur HTTP/WebSocket API."""
