"""Text normaliser: SPEC.md "Text normalisation", and the one-way import flow of the package."""
import ast
import re
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from extractors import texttables
from normalizers import deadlines, text as text_module
from normalizers.text import normalize, normalize_lines

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import build_t2s_changes  # noqa: E402  (a script kept beside its fixtures, not a package)


@pytest.mark.parametrize("raw, want", [
    ("東湖區(qū)人民政府辦公室印發(fā)", "东湖区人民政府办公室印发"),
    ("發 (fā)佈", "发布"),                    # a gloss set apart by a space
    ("區\n（qū）", "区"),                     # or by a line wrap
    ("２０２０年８月底前", "2020年8月底前"),      # full-width digits
    ("（1） 梳理　清单", "(1)梳理清单"),          # full-width brackets and ideographic space
    ("2020 年 8月底\n前", "2020年8月底前"),      # wrapped cell joined
    ("各县(市、区)和乡镇政府\n(街道办)", "各县(市、区)和乡镇政府(街道办)"),
    ("abc\ndef", "abc def"),                  # latin words keep a space
    ("梳理，\n2020", "梳理,2020"),
    ("政务與情\u200b", "政务与情"),             # zero-width removed, stray traditional simplified
    ("Apps (PDF)", "Apps (PDF)"),             # not a gloss: capitals
    (None, ""),
])
def test_normalize_cases(raw, want):
    assert normalize(raw) == want


def test_normalize_lines_keeps_line_structure():
    assert normalize_lines("县教育局\n\n 縣公安局 ") == ["县教育局", "县公安局"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("發區东县 \n\t(（)）fāqū年8２\u200b、,，a")), max_size=30) | st.text(max_size=30))
@example("A\n´")   # NFKC writes ´ as a space and U+0301; joining the lines left A + U+0301, composed next time
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


LAYERS = {
    # package: what it may import from this project
    "normalizers": {"normalizers"},
    # normalizers.garbled: the PDF reader sends pages whose text layer is garbled to OCR;
    # pipeline.disjoint: union-find, a leaf module (OCR grids and pictures, compare's notices);
    # normalizers.text: nfkc(), the one fast NFKC (texttables' comparison keys);
    # pipeline.limits: the size limits, a leaf module the command line reads its defaults from
    "extractors": {"extractors", "pipeline.model", "pipeline.errors", "pipeline.lexicon", "pipeline.disjoint",
                   "pipeline.limits", "normalizers.garbled", "normalizers.text"},
}


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_imports_flow_one_way(package):
    allowed = LAYERS[package]
    for path in sorted((ROOT / package).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                name = node.module
            elif isinstance(node, ast.Import):
                name = node.names[0].name
            else:
                continue
            if name.split(".")[0] in ("pipeline", "extractors", "normalizers"):
                assert any(name == a or name.startswith(a + ".") for a in allowed), f"{path.name} imports {name}"


@pytest.mark.parametrize("raw, want", [
    ("20", 20), ("二十", 20), ("十五", 15), ("三十一", 31), ("十", 10), ("二〇二〇", 2020), ("二0二0", 2020),
    ("两", 2), ("九", 9), ("", None), ("十二三", None), ("一百", None), ("abc", None),
])
def test_cn_int(raw, want):
    from normalizers.text import cn_int
    assert cn_int(raw) == want


@pytest.mark.parametrize("raw, want", [
    ("(qū) (fā)關於全面推進", "关于全面推进"),      # glosses wrapped to the start of a printed line
    ("东湖区\n（fā）布", "东湖区布"),
    ("(a)项目", "(a)项目"),                           # a list mark without a tone mark stays
    ("(ok)已完成", "(ok)已完成"),
])
def test_glosses_at_the_start_of_a_line_are_dropped(raw, want):
    assert normalize(raw) == want


# The patterns as first written, before a look-ahead at their first character was put in front
# (or, for the table gloss, the bracket before the look-behind): the faster forms must find the same.
_T = text_module._TONED
_AS_WRITTEN = {
    "gloss": (text_module._GLOSS, re.compile(
        r"(?<=[\u3400-\u9fff\uf900-\ufaff])\s*[(（]\s*([a-z" + _T + r"]{1,7})\s*[)）]"
        r"|^[ \t]*(?:[(（]\s*[a-z]{0,6}[" + _T + r"][a-z" + _T + r"]{0,6}\s*[)）][ \t]*)+", re.M)),
    "space": (text_module._SPACE_NEXT_TO_CJK, re.compile(rf"\s+(?=[{text_module._CJK}])|(?<=[{text_module._CJK}])\s+")),
    "wrap": (text_module._WRAP, re.compile(r"(?<![A-Za-z0-9])[ \t]*\n\s*|[ \t]*\n\s*(?![A-Za-z0-9])")),
    "table gloss": (texttables._GLOSS, re.compile(r"(?<=[\u3400-\u9fff])[(（]\s*[a-z" + _T + r"]{1,7}\s*[)）]")),
    "numerals": (deadlines._CN_RUN, re.compile(
        r"(?:^|(?<=[^\u4e00-\u9fff〇○])|(?<=[年月第至到起自从于在前底末止和及或每今本明]))"
        r"([〇○零一二三四五六七八九十两0-9]+)(?=\s*(?:[年月日号季旬]|至|到|[-—–~―]))")),
    "unit range": (deadlines._UNIT_RANGE, re.compile(deadlines._UNIT_RANGE.pattern.removeprefix(r"(?=\d)"))),
    "year range": (deadlines._YEAR_RANGE, re.compile(deadlines._YEAR_RANGE.pattern.removeprefix(r"(?=\d)"))),
}


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="發发區东 \t\n(（)）fāqūa1一二十年月日至到-2020号、，Z\u3000\xa0第前.", max_size=40))
def test_patterns_with_a_first_character_look_ahead_match_as_written(text: str) -> None:
    for name, (fast, written) in _AS_WRITTEN.items():
        assert [(m.span(), m.groups()) for m in fast.finditer(text)] == \
               [(m.span(), m.groups()) for m in written.finditer(text)], name


def test_nfkc_never_makes_a_character_clean_chars_would_map_or_remove() -> None:
    """clean_chars() skips unify_ideographs() and the invisible-character pass for a text holding
    none of their characters; that is right only if NFKC turns no other character into one of them."""
    import unicodedata
    special = text_module._mapped_or_unseen()
    made = [hex(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and not special.match(chr(c))
            and special.search(unicodedata.normalize("NFKC", chr(c)))]
    assert made == []


def test_nfkc_is_unicodedata_nfkc_next_to_every_character() -> None:
    """nfkc() swaps full-width marks for their decompositions before NFKC: the same result only if no
    character composes differently with the swapped mark, before or after it, with or without an accent."""
    import unicodedata
    marks = "".join(wide for wide, _ in text_module._WIDE_FORMS)
    differ = []
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        ch = chr(c)
        for text in (ch + marks + ch + marks[::-1] + ch, ch + "\u0301" + marks + "\u0301" + ch + "\u0308" + ch):
            if text_module.nfkc(text) != unicodedata.normalize("NFKC", text):
                differ.append(hex(c))
    assert differ == []


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="，（）：；！？\u3000\xa0e\u0301\u0308\u3099か한\u1161ｶﾞ区Ａ１ ", max_size=20))
def test_nfkc_is_unicodedata_nfkc(raw: str) -> None:
    import unicodedata
    assert text_module.nfkc(raw) == unicodedata.normalize("NFKC", raw)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="区政⺠⼈﨑e\u0301\u200b\u00ad\x07\t\nＡ１㈱ﬁ发 ", max_size=20))
def test_clean_chars_is_the_three_steps_as_written(raw: str) -> None:
    import unicodedata
    written = text_module._UNSEEN.sub("", unicodedata.normalize("NFKC", text_module.unify_ideographs(raw)))
    assert text_module.clean_chars(raw) == written


# texts as paragraphs hold them: traditional characters, glosses, line breaks, blanks, invisible marks
_PARAGRAPH = st.lists(st.sampled_from(["發展", "區(qū)", "\n", " ", "\u200b", "政務公開", "a", "1", "（fā）", "乾县",
                                       "\t", "後", "台灣", ""]), max_size=12).map("".join)


@given(st.lists(st.one_of(st.none(), _PARAGRAPH), max_size=8))
@settings(max_examples=300, deadline=None)
def test_normalize_all_is_normalize_of_each_text(texts):
    # one OpenCC call for a document's paragraphs must give what one call per paragraph gives
    assert text_module.normalize_all(texts) == [normalize(t) for t in texts]


def test_normalize_all_of_the_sample_paragraphs():
    from pipeline.model import Paragraph
    from extractors import extractor_for
    from extractors.detect import detect_format
    for path in sorted((Path(__file__).resolve().parent.parent / "corpus").rglob("*.html")):
        data = path.read_bytes()
        raw = extractor_for(detect_format(data, path.name)).extract(data)
        texts = [b.text for b in raw.blocks if isinstance(b, Paragraph)]
        assert len(texts) > 10 and text_module.normalize_all(texts) == [normalize(t) for t in texts]


@pytest.fixture(scope="module")
def t2s_entries(tmp_path_factory) -> list[tuple[str, str]]:
    """Every (key, value) of the dictionaries OpenCC's t2s.json names, dumped with the opencc_dict tool
    that the opencc wheel ships (the .ocd2 files are binary)."""
    entries = build_t2s_changes.entries(tmp_path_factory.mktemp("t2s"))
    names = [p.name for p in text_module.t2s_files(build_t2s_changes.config())]
    assert "TSCharacters.ocd2" in names and "TSPhrases.ocd2" in names
    return entries


def test_t2s_keeps_lengths_and_leaves_marks_digits_and_latin_alone(t2s_entries) -> None:
    """What the readers count on (texttables._over_label, text._label_before, to_simplified_each): t2s
    writes each key as a value of the same length without whitespace or line breaks, and no key holds a
    character below U+3400 (digits, Latin, punctuation and the full-width marks pass unchanged)."""
    entries = t2s_entries
    assert len(entries) > 1000
    assert [(k, v) for k, v in entries if len(k) != len(v) or any(ch.isspace() for ch in v)] == []
    assert [k for k, _ in entries if min(k) < "\u3400"] == []


def test_whitespace_class_is_what_backslash_s_matches() -> None:
    """_GLOSS opens with _WHITESPACE spelled out for \\s (a plain class is faster to skip with)."""
    spelled, s = re.compile("[" + text_module._WHITESPACE + "]"), re.compile(r"\s")
    assert [hex(c) for c in range(0x110000) if bool(spelled.match(chr(c))) != bool(s.match(chr(c)))] == []


def test_the_list_of_characters_t2s_changes_is_that_of_the_installed_dictionaries(tmp_path: Path) -> None:
    """normalizers/data/t2s_changes.txt is what its builder makes of the installed OpenCC, digest included,
    so that to_simplified() skips OpenCC for texts without those characters."""
    shipped = (ROOT / "normalizers" / text_module.T2S_CHANGES).read_text("utf-8")
    assert build_t2s_changes.build(tmp_path) == shipped
    assert text_module._may_change() is not None


def _through_opencc(text: str) -> str:
    return text_module._converter().convert(text) if text else text


def test_skipping_opencc_changes_no_dictionary_key(t2s_entries) -> None:
    """Each key of the dictionaries, alone and between simplified words, converts as OpenCC converts it."""
    keys = sorted({key for key, _ in t2s_entries})
    texts = keys + [f"县政府{key}办公室" for key in keys] + [f"{key[:-1]}公开" for key in keys if len(key) > 1]
    assert [t for t in texts if text_module.to_simplified(t) != _through_opencc(t)] == []
    assert text_module.to_simplified_each(texts) == [_through_opencc(t) for t in texts]


_CHANGES = text_module.read_t2s_changes((ROOT / "normalizers" / text_module.T2S_CHANGES).read_text("utf-8"))[1]
# characters t2s may change, characters it leaves alone, line breaks and the first characters of phrases
_MIXED = st.text(st.sampled_from(_CHANGES[::7] + "县人民政府办公室公开信息了解干着于后里面发表皇后乾隆 \n\t,.12ab瞭覆"
                                 + "\U00020000\U0002a6a5"), max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.lists(_MIXED, max_size=8))
def test_to_simplified_is_opencc_whether_or_not_it_calls_it(texts: list[str]) -> None:
    assert [text_module.to_simplified(t) for t in texts] == [_through_opencc(t) for t in texts]
    assert text_module.to_simplified_each(texts) == [_through_opencc(t) for t in texts]


def test_other_opencc_dictionaries_send_every_text_through_opencc(monkeypatch, caplog) -> None:
    """A list made from other dictionaries (another OpenCC release) is not used: OpenCC converts every text."""
    import logging
    monkeypatch.setattr(text_module, "t2s_digest", lambda config: "0" * 64)
    text_module._may_change.cache_clear()
    try:
        with caplog.at_level(logging.DEBUG, logger=text_module.__name__):
            assert text_module._may_change() is None
        assert "not those" in caplog.text
        calls = []
        real = text_module._converter()
        monkeypatch.setattr(text_module, "_converter", lambda: type("Spy", (), {
            "convert": lambda self, t: calls.append(t) or real.convert(t)})())
        assert text_module.to_simplified("县人民政府") == "县人民政府" and calls == ["县人民政府"]
        assert text_module.to_simplified_each(["顯著", "", "公开"]) == ["显著", "", "公开"]
        assert calls[1:] == ["顯著\n公开"]
    finally:
        monkeypatch.undo()
        text_module._may_change.cache_clear()
    assert text_module._may_change() is not None
