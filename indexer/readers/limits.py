"""The limits every reader applies (the one place they are set).

The readers read them as ``limits.NAME`` when they run, so a test may lower one with
``monkeypatch.setattr(limits, "MAX_FILE_BYTES", …)``.
"""

MAX_FILE_BYTES = 64 * 1024 * 1024  # a text, HTML or JSON file (JSON Lines are read line by line)
MAX_LINE_BYTES = 32 * 1024 * 1024  # a JSON Lines line
MAX_BODY_CHARS = 2_000_000  # longer bodies are cut (and the cut reported)
MAX_LEAD_CHARS = 100_000
MAX_FIELD_CHARS = 1_000  # title and the other one-line fields
MAX_TAGS = 200
MAX_BAD_LINES = 100  # bad JSON Lines lines without an article before a file is abandoned
LONG_TITLE_CHARS = 250  # a first line of a text file longer than this is body, not title
