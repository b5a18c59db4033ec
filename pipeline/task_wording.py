"""Task wording reduced to what names the work, before matching: how a county's copy of a plan rewords it.

When an office copies a city's or province's task table it rewords without changing the task: it
numbers items its own way (`(一)`, `1.`, `一是`), puts a subject and a modal in front (`各单位要`),
a basis clause (`按照《…》要求,` `根据…原则,`) or a purpose clause at the end (`,确保…`), adds or
drops adverbs of manner (进一步, 认真, 切实 …) and names its own level (`全县` for `全市`, `区政府`
for `县政府`, `区级` for `县级`). None of that is the deliverable, so it is taken out (or the level
made one word) before the texts are compared. A cited document number (`〔2019〕61号`) is a
citation, not a scope, so its digits must not count as one.
"""
from __future__ import annotations

import functools
import re

# Adverbs of manner and intensity: they say how hard, not what (the official style's fillers).
FILLERS = frozenset({"进一步", "认真", "切实", "扎实", "积极", "全面", "大力", "及时", "不断", "深入", "着力",
                     "努力", "稳步", "逐步", "有效", "充分", "主动", "加快", "统筹", "持续"})
# Modal heads: `要`, `应`, `需` … before the verb say the task is required, which every task is.
MODALS = frozenset({"要", "应", "应当", "需", "须", "必须", "务必"})
# A leading clause that gives the basis or principle the task follows, not the task itself.
_BASIS = re.compile(r"^(?:按照|根据|依据|依照|对照|参照|遵照|结合|围绕)[^，,；;。]{2,}[，,；;]")
# A last clause that gives the purpose (`确保…`), not the work.
_PURPOSE = re.compile(r"[，,；;](?:以|从而)?确保[^，,；;。]*[。；;]?$")
_NUMBERING = re.compile(r"^\s*(?:[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|[一二三四五六七八九十\d]{1,3}\s*[.、．)）]"
                        r"(?!\d)|[一二三四五六七八九十]{1,3}是|第[一二三四五六七八九十\d]{1,3}[，,、])\s*")
_DOC_NUMBER = re.compile(r"[（(]?[\u4e00-\u9fff]{0,12}[〔\[［【]\d{4}[〕\]］】]\s*\d+\s*号[)）]?")
# A county's copy names its own level: 全市 / 全区 / 全县, 区政府 / 县政府, 区级 / 县级 (a district is a
# county-level division, a town a township-level one) are the same reach.
_WHOLE = re.compile(r"全[市县区](?=[\u4e00-\u9fff])")
_DISTRICT = re.compile(r"(?<!社)区(?=政府|直|级|委)")
_TOWN = re.compile(r"镇(?=政府|级)")


@functools.lru_cache(maxsize=200_000)
def essentials(text: str) -> str:
    """The task text without numbering, modal head, basis and purpose clauses and fillers; own level words made one."""
    from pipeline.matching import _jieba  # the dictionary is loaded once, by the matcher
    text = _DOC_NUMBER.sub("", text)
    text = _NUMBERING.sub("", text, count=1)
    words = _drop_modal_head(_jieba().lcut(text.strip()))
    text = "".join(w for w in words if w not in FILLERS)
    for _ in range(2):  # `要按照…原则,根据…,` two basis clauses in a row
        head = _BASIS.match(text)
        if head and len(text) - head.end() >= 4:
            text = text[head.end():]
    text = _PURPOSE.sub("", text) or text
    text = _WHOLE.sub("全县", text)
    return _TOWN.sub("乡", _DISTRICT.sub("县", text))


def _drop_modal_head(words: list[str]) -> list[str]:
    """Words without a leading modal, with its subject when the subject is `各…` (各地要, 各单位要)."""
    for k, word in enumerate(words[:4]):
        if word in MODALS and (k == 0 or words[0] == "各") and len(words) > k + 1:
            return words[k + 1:]
    return words

