"""What WeChat itself puts in a text message besides words: emoticon codes, emoji, bare numbers.

WeChat sends its built-in smileys as codes ("[微笑]", "[OK]", older "/::)") inside the text. A
smiley after "reply 1 for a consultant" is not a yes, a keyboard mash is not a legal question,
and "5000" on its own could be a wage, a debt or an income: the dialogue asks instead of
guessing. Pure functions; the dialogue decides what to say.
"""

from __future__ import annotations

import re
import unicodedata

# "[微笑]", "[捂脸]", "[OK]", "[Party]"; the older "/::)" and "/:rose" codes.
_EMOTICON_CODE = re.compile(r"\[[A-Za-z\u4e00-\u9fff]{1,8}\]|/:[^\s\u4e00-\u9fff]{1,8}")
_BARE_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?$|^[+-]?\d+(?:\.\d+)?$")
_LATIN_ONLY = re.compile(r"^[A-Za-z]+(?:\s+[A-Za-z]+)*$")
# Latin words a citizen may mean: answered by the NLU, not taken for a mash of keys.
_LATIN_WORDS = frozenset(
    {"ok", "okay", "yes", "no", "hi", "hello", "help", "thanks", "thank you", "bye", "sos", "kk"}
)


def without_emoticons(text: str) -> str:
    """The text with WeChat's emoticon codes and emoji taken out (what the NLU should read)."""
    stripped = _EMOTICON_CODE.sub(" ", text)
    return "".join(ch for ch in stripped if not _is_emoji(ch)).strip()


def is_only_emoticons(text: str) -> bool:
    """Smileys, emoji and punctuation, with no word: never an answer, never consent."""
    if not text.strip():
        return False
    rest = without_emoticons(text)
    had_any = rest != text.strip()
    return had_any and not any(ch.isalnum() for ch in rest)


def is_bare_number(text: str) -> bool:
    """A number and nothing else ("5000", "３０００", "2,500"): its meaning is not in the message."""
    return bool(_BARE_NUMBER.match(unicodedata.normalize("NFKC", text).strip()))


def is_latin_gibberish(text: str) -> bool:
    """Latin letters that are no word a citizen would write to the center ("asdfgh", "jjjj")."""
    plain = unicodedata.normalize("NFKC", text).strip()
    if not _LATIN_ONLY.match(plain) or len(plain.replace(" ", "")) < 3:
        return False
    return plain.lower() not in _LATIN_WORDS


def _is_emoji(ch: str) -> bool:
    code = ord(ch)
    if 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or 0x1F900 <= code <= 0x1F9FF:
        return True
    return ch in "\u200d\ufe0f\u20e3" or unicodedata.category(ch) == "So"
