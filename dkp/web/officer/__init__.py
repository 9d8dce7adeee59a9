"""Officers' setup pages under /officer/: events, pools and their auction rules, member roles, guild settings.

Each view checks the officer, reads its form as text, calls one service and renders. A refusal is
shown on the form it came from with nothing saved: 400 for a value the service refused, or the
refusal's own status (409 for a name already taken).
"""
