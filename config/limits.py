"""Length limits of free text: the one place models, forms, serializers and imports read them.

Every user-typed text has a bound, so a 1 MB "description" is a clear 400 (Chinese message),
never stored. The numbers are generous for what counties write: a legal basis quoting several
articles fits in ``LONG_TEXT``; a reason, a note or a duty paragraph in ``TEXT``.
"""

SHORT_TEXT = 200  # one line: a title, a name, a document number, a place
TEXT = 4000  # a paragraph: a reason, a note, a township's duty, an objection
LONG_TEXT = 20000  # several paragraphs: a legal basis with articles quoted, a description

JSON_MAX_DEPTH = 20  # nesting levels of a JSON request body (the API's bodies use 3 at most)
