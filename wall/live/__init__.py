"""The live layer: fan-out of feed frames to sockets, reaction counting, moderator presence."""
