"""Text folded for searching: accents and case ignored, so "cafe de jaren" finds "Café de Jaren"."""

import unicodedata


def folded(text: str) -> str:
    """`text` without its accents (é → e, ü → u, ç → c) and case-folded (ß → ss), for a substring match that
    ignores both. Letters without a decomposition (ø, ł) stay as they are."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def search_text(*parts: str) -> str:
    """The parts folded, one a line: a match never runs from one part into the next."""
    return "\n".join(folded(part or "") for part in parts)
