"""The transcripts' blind word index: search sealed text by keyed fingerprints of its words.

What a citizen or a consultant wrote is indexed in the transaction that stores it; the bot's own
replies are the center's standard texts and are not. A search segments its words the same way
and finds the messages that hold every one of them.
"""

from __future__ import annotations

from sqlalchemy import Connection, Select, select

from bot.store.sealed import protection_of
from bot.store.tables import term_t


def index_words(conn: Connection, message_id: int, text: str | None) -> int:
    """Store the fingerprints of `text`'s words for one message; returns how many."""
    if not text:
        return 0
    terms = protection_of(conn).index.terms(text)
    if terms:
        conn.execute(term_t.insert(), [{"term": term, "message_id": message_id} for term in sorted(terms)])
    return len(terms)


def messages_with_words(conn: Connection, words: str) -> Select[tuple[int]] | None:
    """Ids of the messages holding every word of `words` (None when it has no word to look for).

    One condition per word, each a lookup the planner can estimate from the index's statistics
    (a GROUP BY ... HAVING count would hide from it how many messages match, and on 100 000
    records it then picks the slow plan)."""
    terms = sorted(protection_of(conn).index.terms(words))
    if not terms:
        return None
    first, *others = terms
    query = select(term_t.c.message_id).where(term_t.c.term == first)
    for term in others:
        query = query.where(term_t.c.message_id.in_(select(term_t.c.message_id).where(term_t.c.term == term)))
    return query
