"""normalizers.garbled: the gold `garbled_text` flags, hand cases and properties."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normalizers.garbled import is_garbled
from normalizers.text import to_simplified

GOLD = sorted((Path(__file__).resolve().parents[1] / "corpus" / "gold").glob("*.gold.json"))
TASKS = [(g.name, t) for g in GOLD for t in json.loads(g.read_text(encoding="utf-8"))["tasks"]]


def _other_cells(task: dict) -> list[str]:
    """The row's other cells as a reader has them (a unit cell is its units joined)."""
    return ["、".join(task["lead_units"]), "、".join(task["guide_units"]), "、".join(task["support_units"]),
            task["group"] or "", task["deadline_text"] or ""]


def _confusion(with_context: bool) -> tuple[int, int, int, list[str]]:
    tp = fp = fn = 0
    wrong = []
    for name, task in TASKS:
        others = _other_cells(task) if with_context else ()
        flagged = is_garbled(task["item"] or "", others) or any(
            is_garbled(u) for u in task["lead_units"] + task["guide_units"])
        expected = "garbled_text" in task["flags"]
        tp += flagged and expected
        fp += flagged and not expected
        fn += expected and not flagged
        if flagged != expected:
            wrong.append(f"{name} item {task['item_no']}: {task['item'][:30]}")
    return tp, fp, fn, wrong


def test_gold_flags_from_the_cell_alone():
    """Precision 1.0; recall 8/9 per file: item 21 is other cells interleaved, which needs the row."""
    tp, fp, fn, wrong = _confusion(with_context=False)
    assert fp == 0, wrong
    assert (tp, fn) == (16, 2), wrong      # 2 files of 000 x 9 garbled rows
    assert all("None" in w for w in wrong)  # only item 21 (its number lost to the garbling)


def test_gold_flags_with_the_row():
    """Precision and recall 1.0 when the row's other cells are passed."""
    tp, fp, fn, wrong = _confusion(with_context=True)
    assert (tp, fp, fn) == (18, 0, 0), wrong


def test_gold_other_cells_are_clean():
    """Group labels aside, no clean cell of any gold row is flagged, alone or as one joined unit cell."""
    for name, task in TASKS:
        if "garbled_text" in task["flags"]:
            continue
        for units in (task["lead_units"], task["guide_units"], task["support_units"]):
            for sep in ("、", "", "\n"):
                assert not is_garbled(sep.join(units)), (name, units)
        assert not is_garbled(task["deadline_text"] or ""), name


@pytest.mark.parametrize("text", [
    "市市市市市源市市广市场务贫税委员局局局",            # run of one character
    "这种人理理理国际",
    "健全完善。是一年,是一年,是一年,是一年,",            # phrase repeated back to back
    "加强体生明强体生明强体生明期",
    "及时会同网信、公研究时会同网信、公研究证信管理",      # one long phrase twice in a row
    "积聚本年代成为(11)积级标准(11)积级(11)和级(11",     # a short piece restated over a short text
    "政府信息公开平台集中发信息公开平台集化化布政府信息",   # restated a few characters on, with debris
    "區(qū)區(qū)區(qū)",                                    # glosses are removed before judging
])
def test_garbled(text):
    assert is_garbled(text)


@pytest.mark.parametrize("text", [
    "",
    "市市",
    "层层压实责任,户户通,村村通",
    "以公开促落实,以公开促规范,以公开促服务",            # parallel structure
    "同步组织、同步审签、同步部署",
    "对照《江西省人民政府办公厅关于印发江西省乡镇(街道)行政权力指导目录(2021年版)的通知》(赣府厅发〔2021〕31号)、"
    "《江西省人民政府办公厅关于印发江西省村(社区)公共服务事项指导目录(2021年版)的通知》(赣府厅发〔2021〕36号)",
    "區(qū)發(fā)改委、區(qū)審批局、區(qū)財政局、區(qū)應急管理局、區(qū)房管局",
    "县发改委、县教体局、县公安局、县民政局、县司法局、县财政局、县人社局、县自然资源局",
    "2020年12月底前",
])
def test_not_garbled(text):
    assert not is_garbled(text)


def test_mixed_in_needs_two_cut_pieces():
    item = "层决策题、社会关注度高的各县(市、区)市政府办公参与方议题,应邀请利益相(街道办)市政府信息"
    assert not is_garbled(item)
    assert is_garbled(item, ["", "市政府办公室市政府信息办"])
    # naming a unit in full is no mixing
    assert not is_garbled("由市政府办公室牵头,市政府信息办配合", ["市政府办公室、市政府信息办"])


# characters that OpenCC t2s leaves alone, so that distinct stays distinct after normalisation
IDEOGRAPHS = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5).filter(lambda c: to_simplified(c) == c)


@settings(max_examples=200, deadline=None)
@given(st.lists(IDEOGRAPHS, min_size=2, max_size=6, unique=True), st.integers(3, 8), st.sampled_from(["", ","]))
def test_phrase_repeated_three_times_is_garbled(phrase, times, sep):
    assert is_garbled(("".join(phrase) + sep) * times)


@settings(max_examples=200, deadline=None)
@given(st.lists(IDEOGRAPHS, min_size=0, max_size=60, unique=True))
def test_text_without_repeats_is_clean(chars):
    assert not is_garbled("".join(chars))
