"""Full-text search over documents, targets and tasks, insensitive to diacritics and to
tone-mark placement: texts are matched on their folded key (see loaders.fold) and shown as
written.

The index is built once per state of the store (Store.memo) and maps each folded word to the
entries holding it, so a search reads the few entries that can match instead of every text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from policygraph.loaders.fold import fold

WORD = re.compile(r"\w+")


@dataclass
class SearchIndex:
    """Entries (folded text, hit) in answer order, and each folded word's entry numbers.

    >>> index = SearchIndex.build([("Bảo hiểm y tế", {"text": "Bảo hiểm y tế"}), ("Trạm Y tế", {"text": "Trạm Y tế"})])
    >>> [h["text"] for h in index.search("hiem y", 10)]
    ['Bảo hiểm y tế']
    """

    entries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    words: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, items: Iterable[tuple[str, dict[str, Any]]]) -> SearchIndex:
        index = cls()
        for text, hit in items:
            key = fold(text)
            n = len(index.entries)
            index.entries.append((key, hit))
            for word in set(WORD.findall(key)):
                index.words.setdefault(word, []).append(n)
        return index

    def _candidates(self, key: str) -> set[int] | None:
        """Entries that may hold ``key``: a word inside it is a whole word of the text, the
        first may be the end of one and the last the start of one. None: no word to go by."""
        tokens = WORD.findall(key)
        if not tokens:
            return None
        found: set[int] | None = None
        last = len(tokens) - 1
        # The rarest exact words first: they cut the candidates most.
        order = sorted(range(len(tokens)), key=lambda i: (i in (0, last), len(self.words.get(tokens[i], ()))))
        for i in order:
            t = tokens[i]
            if len(tokens) == 1:
                ids = self._union(w for w in self.words if t in w)
            elif i == 0:
                ids = self._union(w for w in self.words if w.endswith(t))
            elif i == last:
                ids = self._union(w for w in self.words if w.startswith(t))
            else:
                ids = set(self.words.get(t, ()))
            found = ids if found is None else found & ids
            if not found:
                return set()
        return found

    def _union(self, words: Iterable[str]) -> set[int]:
        ids: set[int] = set()
        for w in words:
            ids.update(self.words[w])
        return ids

    def search(self, q: str, limit: int) -> list[dict[str, Any]]:
        """The first ``limit`` entries whose folded text holds ``q`` folded, in index order."""
        key = fold(q).strip()
        if not key:
            return []
        candidates = self._candidates(key)
        numbers = range(len(self.entries)) if candidates is None else sorted(candidates)
        hits: list[dict[str, Any]] = []
        for n in numbers:
            text, hit = self.entries[n]
            if key in text:
                hits.append(hit)
                if len(hits) == limit:
                    break
        return hits
