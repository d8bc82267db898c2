"""`clameur rehearse`: a simulated room (phones, SMS senders, a moderator, a wall) against a
running server, and the report of what the room would have seen.

The rehearsal never touches the real event: it plays in a copy of it (`naming.py`), made
afresh by each run and removed by `clameur rehearse SLUG --clean`. Importing this package
is cheap (the reporting layer reads `naming`); the room itself lives in `room.py`.
"""
