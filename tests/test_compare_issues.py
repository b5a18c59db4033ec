"""`govnotice compare` on built notices, one defect each (tests/data/compare/issue-*/, made by
tests/fixtures/build_compare_notices.py): same-named districts, a region-less annex, two plan years,
local proper nouns; and the sample corpus in one store with notices of other plan years."""
import json
import logging
import shutil
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main as cli_main
from pipeline.compare import (compare, group_notices, load_store, local_names, match_rows, notice_years, pivot,
                              region_labels, stated_year)
from pipeline.match_settings import MatchSettings
from pipeline.matching import clean, names_conflict
from pipeline.run import Options, run

DATA = Path(__file__).resolve().parent / "data" / "compare"
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    """Each case's notices extracted into a store of its own."""
    out = {}
    for case in sorted(p.name for p in DATA.iterdir() if p.is_dir()):
        out[case] = tmp_path_factory.mktemp(case)
        run([str(DATA / case)], str(out[case]), Options(jobs=1))
    return out


@pytest.fixture(scope="module")
def combined(tmp_path_factory) -> Path:
    """The sample corpus's notices (2020; three annexes of no stated year) in one store with two counties'
    2022 plans and two counties' 2023 plans."""
    inputs = tmp_path_factory.mktemp("combined-inputs")
    for path in [*sorted(p for p in CORPUS.iterdir() if p.is_file() and p.suffix != ".md"),
                 *sorted((DATA / "issue-two-plan-years").iterdir())]:
        shutil.copy(path, inputs / path.name)
    out = tmp_path_factory.mktemp("combined")
    run([str(inputs)], str(out), Options(jobs=1))
    return out


def _rows(folder: Path, name: str) -> list[dict]:
    return [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()]


def _sheets(path: Path) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_same_named_districts_keep_a_column_each(stores, tmp_path):
    compare(stores["issue-same-district-name"], tmp_path)
    matches = _rows(tmp_path, "matches.jsonl")
    by_source = {Path(m["source"]).stem: m["region"] for m in matches}
    assert by_source == {"gulou_fuzhou": "福州市鼓楼区", "gulou_nanjing": "南京市鼓楼区", "yongfeng": "永丰县"}
    pivot_rows = _sheets(tmp_path / "compare.xlsx")["pivot"]
    header = pivot_rows[0]
    columns = [header.index(label) for label in ("福州市鼓楼区", "南京市鼓楼区", "永丰县")]
    assert len(pivot_rows) > 5
    for row in pivot_rows[1:]:
        assert row[header.index("regions")] == sum(row[c] is not None for c in columns) >= 2
        dated = [row[c] for c in columns if hasattr(row[c], "year")]
        if dated:  # the latest is a deadline some column shows
            assert row[header.index("latest")] == max(dated) and row[header.index("earliest")] == min(dated)


@pytest.mark.parametrize("documents, labels", [
    # two places of one name: their parents; a place of one name twice in a city too: the province
    ([{"doc_id": "a", "province": "福建省", "city": "福州市", "county": "鼓楼区"},
      {"doc_id": "b", "province": "江苏省", "city": "南京市", "county": "鼓楼区"},
      {"doc_id": "c", "province": "江西省", "city": "吉安市", "county": "永丰县"}],
     ["福州市鼓楼区", "南京市鼓楼区", "永丰县"]),
    # two notices of one place: the issue date; of one day: the file name; of one file name: the path
    ([{"doc_id": "a", "city": "福州市", "county": "鼓楼区", "issue_date": "2022-05-20", "source": "x/a.docx"},
      {"doc_id": "b", "city": "福州市", "county": "鼓楼区", "issue_date": "2023-04-01", "source": "x/b.docx"},
      {"doc_id": "c", "city": "南京市", "county": "鼓楼区", "issue_date": "2022-05-20", "source": "y/a.docx"}],
     ["福州市鼓楼区 (2022-05-20)", "福州市鼓楼区 (2023-04-01)", "南京市鼓楼区"]),
    ([{"doc_id": "a", "county": "东至县", "issue_date": "2020-08-14", "source": "a.docx"},
      {"doc_id": "b", "county": "东至县", "issue_date": "2020-08-14", "source": "b.pdf"},
      {"doc_id": "c", "county": "东至县", "issue_date": "2020-08-14", "source": "other/b.pdf"}],
     ["东至县 [a.docx]", "东至县 [b.pdf]", "东至县 [other/b.pdf]"]),
    # no region: the title
    ([{"doc_id": "a", "title": "任务分工表"}, {"doc_id": "b", "county": "屯留区"}], ["任务分工表", "屯留区"]),
])
def test_region_labels_are_unique_and_as_short_as_they_can_be(documents, labels):
    assert [region_labels(documents)[d["doc_id"]] for d in documents] == labels


def test_the_pivot_never_puts_two_deadlines_in_one_column():
    members = [{"region": "鼓楼区", "deadline": d, "deadline_kind": "date", "deadline_text": d}
               for d in ("2022-07-31", "2022-11-30")]
    line = {"match_id": "M0001", "match_label": "任务", "members": members, "earliest": "2022-07-31",
            "latest": "2022-11-30", "spread_days": 122, "missing": []}
    with pytest.raises(RuntimeError, match="鼓楼区"):
        pivot([line], ["鼓楼区"])


def test_a_regionless_annex_with_its_own_units_and_deadlines_is_a_notice_of_its_own(stores, tmp_path):
    compare(stores["issue-regionless-annex"], tmp_path)
    notices = _rows(tmp_path, "notices.jsonl")
    assert len(notices) == 2 and all(n["preferred"] for n in notices)
    lines = _sheets(tmp_path / "compare.xlsx")["pivot"][1:]
    assert len(lines) == 10 and all(row[2] == 2 for row in lines)  # every task of the plan, in both


def test_a_repost_that_lost_its_deadlines_is_still_the_same_notice(stores):
    documents, tasks = load_store(stores["issue-regionless-annex"])
    annex = next(d for d in documents if d["adcode"] is None)
    county = next(d for d in documents if d["adcode"])
    repost = dict(county, doc_id="repost", adcode=None, county=None, doc_number=None, title=None)
    copied = [dict(t, doc_id="repost", deadline=None, deadline_kind="none", deadline_text=None)
              for t in tasks if t["doc_id"] != annex["doc_id"]]
    notices = group_notices(documents + [repost], tasks + copied)
    ids = {n["doc_id"]: n["notice_id"] for n in notices}
    assert len(set(ids.values())) == 2 and ids["repost"] != ids[annex["doc_id"]]
    assert ids["repost"] == ids[county["doc_id"]]


def test_a_repost_that_lost_one_unit_of_a_cell_is_still_the_same_notice(stores):
    """Half the rows name two lead units; the repost's reader kept the first of each cell only."""
    documents, tasks = load_store(stores["issue-regionless-annex"])
    annex = next(d for d in documents if d["adcode"] is None)
    county = next(d for d in documents if d["adcode"])
    own = [dict(t, lead_units=t["lead_units"] + ["县财政局"]) if k % 2 and len(t["lead_units"]) == 1 else t
           for k, t in enumerate(t for t in tasks if t["doc_id"] == county["doc_id"])]
    assert sum(len(t["lead_units"]) > 1 for t in own) >= 5
    repost = dict(county, doc_id="repost", adcode=None, county=None, doc_number=None, title=None,
                  source="repost.pdf")
    copied = [dict(t, doc_id="repost", lead_units=t["lead_units"][:1]) for t in own]
    others = [t for t in tasks if t["doc_id"] == annex["doc_id"]]
    ids = {n["doc_id"]: n["notice_id"] for n in group_notices(documents + [repost], others + own + copied)}
    assert ids["repost"] == ids[county["doc_id"]] != ids[annex["doc_id"]]


def test_notices_of_two_plan_years_are_compared_apart(stores, tmp_path):
    store = stores["issue-two-plan-years"]
    compare(store, tmp_path / "all")
    matches = _rows(tmp_path / "all", "matches.jsonl")
    year = {m["doc_id"]: Path(m["source"]).stem[-4:] for m in matches}
    by_match: dict[str, set] = {}
    for m in matches:
        by_match.setdefault(m["match_id"], set()).add(year[m["doc_id"]])
    assert all(len(years) == 1 for years in by_match.values())
    sheets = _sheets(tmp_path / "all" / "compare.xlsx")
    assert list(sheets) == ["pivot 2022", "pivot 2023", "matches", "notices"]
    for name, counties in (("pivot 2022", ["永丰县", "三台县"]), ("pivot 2023", ["灵璧县", "阳朔县"])):
        header, body = sheets[name][0], sheets[name][1:]
        assert sorted(header[3:-4]) == sorted(counties) and len(body) == 10
        assert all(row[header.index("spread_days")] is None or row[header.index("spread_days")] < 120
                   for row in body)
    page = (tmp_path / "all" / "report.html").read_text(encoding="utf-8")
    assert '"year": 2022' in page and '"year": 2023' in page
    # the store's JSONL exports, rows in another order: the same bytes
    documents, tasks = load_store(store)
    exports = tmp_path / "exports"
    exports.mkdir()
    for name, rows in (("documents", documents[::-1]), ("tasks", tasks[::-1])):
        (exports / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                               encoding="utf-8")
    compare(exports, tmp_path / "again")
    for name in ("notices.jsonl", "matches.jsonl", "compare.xlsx", "report.html"):
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "all" / name).read_bytes()


def test_year_selects_the_notices_of_one_plan_year(stores, tmp_path, capsys):
    store = stores["issue-two-plan-years"]
    assert cli_main(["compare", str(store), "-o", str(tmp_path / "y"), "--year", "2023"]) == 0
    assert {Path(n["source"]).stem for n in _rows(tmp_path / "y", "notices.jsonl")} == {"lingbi_2023",
                                                                                        "yangshuo_2023"}
    assert list(_sheets(tmp_path / "y" / "compare.xlsx"))[0] == "pivot"
    assert cli_main(["compare", str(store), "-o", str(tmp_path / "none"), "--year", "2021"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--year 2021" in err and "2022、2023" in err


def test_a_reference_compares_the_notices_of_its_plan_year(stores, tmp_path, capsys):
    store = stores["issue-two-plan-years"]
    for extra in ([], ["--year", "2023"]):
        out = tmp_path / f"r{len(extra)}"
        assert cli_main(["compare", str(store), "-o", str(out), "--reference", "lingbi_2023.docx", *extra]) == 0
        assert {Path(n["source"]).stem for n in _rows(out, "notices.jsonl")} == {"lingbi_2023", "yangshuo_2023"}
    assert cli_main(["compare", str(store), "-o", str(tmp_path / "x"), "--reference", "lingbi_2023.docx",
                     "--year", "2022"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--year 2022" in err and "lingbi_2023.docx" in err and "plan year 2023" in err


def test_labels_are_made_unique_within_a_plan_year(tmp_path):
    """鼓楼区 of 2022 and 鼓楼区 of 2023 are in two pivots: neither needs its city, and --year changes no label."""
    places = {"a": ("福州市", "鼓楼区", 2022, 10), "b": ("南京市", "鼓楼区", 2023, 10), "c": ("吉安市", "永丰县", 2022, 9),
              "d": ("宿州市", "灵璧县", 2023, 9)}  # each its own deadline: four notices
    docs = [{"doc_id": d, "source": f"{d}.docx", "city": city, "county": county,
             "title": f"{county}{year}年政务公开工作要点"} for d, (city, county, year, _) in places.items()]
    tasks = [{"doc_id": d, "table": 1, "row": 1, "item": "组织开展政府开放日活动", "lead_units": ["政府办"],
              "deadline": f"{places[d][2]}-{places[d][3]:02d}-30", "deadline_kind": "date", "deadline_text": "月底前"}
             for d in places]
    notices = [{"doc_id": d, "source": f"{d}.docx", "notice_id": d, "preferred": True} for d in places]
    regions = {r["doc_id"]: r["region"] for r in match_rows(docs, tasks, notices)}
    assert regions == {"a": "鼓楼区", "b": "鼓楼区", "c": "永丰县", "d": "灵璧县"}
    store = tmp_path / "store"
    store.mkdir()
    for name, rows in (("documents", docs), ("tasks", tasks)):
        (store / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                             encoding="utf-8")
    compare(store, tmp_path / "2022", year=2022)
    assert {r["doc_id"]: r["region"] for r in _rows(tmp_path / "2022", "matches.jsonl")} == {"a": "鼓楼区",
                                                                                              "c": "永丰县"}


@pytest.mark.parametrize("doc, year", [
    ({"title": "关于印发2023年缙云县政务公开工作要点的通知", "issue_date": "2022-12-30"}, 2023),
    ({"title": "关于印发《二〇二二年政务公开工作要点》的通知"}, 2022),
    ({"title": "2022年政务公开重点工作任务分工表"}, 2022),
    ({"title": "关于全面推进基层政务公开标准化规范化的实施方案", "issue_date": "2020-07-03"}, 2020),
    ({"title": None, "doc_number": "东政办秘〔2020〕64号"}, 2020),
    ({"title": "任务分工及进度安排"}, None),
    # a range is filed under its first year, however its years are written
    ({"title": "关于印发《XX县政务公开三年行动计划（2021—2023年）》的通知"}, 2021),
    ({"title": "关于印发《XX县政务公开三年行动计划（2021年—2023年）》的通知"}, 2021),
    ({"title": "二〇二一至二〇二三年政务公开行动计划"}, 2021),
])
def test_plan_year_from_title_then_issue_date_then_document_number(doc, year):
    assert stated_year([doc]) == year


def test_a_title_year_of_any_copy_comes_before_the_issue_date_of_the_preferred_one():
    docs = [{"doc_id": "a", "title": "关于印发政务公开工作要点的通知", "issue_date": "2022-12-28", "n_tasks": 20},
            {"doc_id": "b", "title": "2023年政务公开工作要点", "n_tasks": 12}]
    notices = [{"doc_id": "a", "notice_id": "a", "preferred": True},
               {"doc_id": "b", "notice_id": "a", "preferred": False}]
    assert notice_years(docs, notices) == {"a": 2023}


def test_a_notice_of_no_year_goes_with_the_others_only_when_they_share_one():
    docs = [{"doc_id": d, "title": t} for d, t in (("a", "2022年要点"), ("b", "2022年分工"), ("c", "分工表"))]
    notices = [{"doc_id": d["doc_id"], "notice_id": d["doc_id"], "preferred": True} for d in docs]
    assert notice_years(docs, notices) == {"a": 2022, "b": 2022, "c": 2022}
    docs[1]["title"] = "2023年分工"
    assert notice_years(docs, notices) == {"a": 2022, "b": 2023, "c": None}


def test_a_notice_of_no_year_takes_the_year_of_its_deadlines_else_of_the_notice_it_is_most_like(caplog):
    titles = {"a": "2022年政务公开工作要点", "b": "2023年政务公开工作要点", "c": None, "d": None, "e": None, "f": None}
    docs = [{"doc_id": d, "title": t, "source": f"{d}.docx"} for d, t in titles.items()]
    notices = [{"doc_id": d, "notice_id": d, "preferred": True} for d in titles]
    items = {"a": ["组织开展政府开放日活动"], "b": ["编制发布政府信息公开工作年度报告"], "c": ["规范村务公开栏设置"],
             "d": ["组织开展政府开放日活动", "编制并公开重大行政决策事项目录", "做好重大建设项目信息公开"],
             "e": ["组织开展政府开放日活动"], "f": [f"任务{k}" for k in range(5)]}
    deadlines = {"d": ["2022-06-30", "2023-01-31", "2023-06-30"],  # a plan's deadlines run on from its year
                 "f": ["2022-12-31"] + ["2023-06-30"] * 4}  # a stray earlier one does not count
    tasks = [{"doc_id": d, "table": 1, "row": k, "item": item, "deadline": (deadlines.get(d) or [None] * 9)[k]}
             for d, rows in items.items() for k, item in enumerate(rows)]
    with caplog.at_level(logging.WARNING, logger="pipeline.compare"):
        years = notice_years(docs, notices, tasks)
    # c: nothing like another notice's task; e: no date, its task is a's
    assert years == {"a": 2022, "b": 2023, "c": None, "d": 2022, "e": 2022, "f": 2023}
    assert "c.docx" in caplog.text and "e.docx" not in caplog.text


def test_an_annex_of_no_stated_year_keeps_its_plan_year_in_a_store_of_several(combined, tmp_path):
    documents, tasks = load_store(combined)
    notices = group_notices(documents, tasks)
    years = notice_years(documents, notices, tasks)
    source = {d["doc_id"]: Path(d["source"]).name for d in documents}
    by_source = {source[n["doc_id"]]: years[n["notice_id"]] for n in notices}
    # the annexes by their deadlines; jx_county (no deadline at all) by the notices its tasks are most like
    assert {name: by_source[name] for name in ("jiujiang_2020_annex1.pdf", "tunliu_2020_tasks.docx",
                                                "jx_county_2022_tasks.docx", "lingbi_2023.docx")} == {
        "jiujiang_2020_annex1.pdf": 2020, "tunliu_2020_tasks.docx": 2020, "jx_county_2022_tasks.docx": 2020,
        "lingbi_2023.docx": 2023}
    compare(combined, tmp_path, reference="jiujiang_2020_annex1.pdf")
    header = _sheets(tmp_path / "compare.xlsx")["pivot"][0]
    assert {"东至县", "东湖区", "屯留区"} <= set(header)
    assert {by_source[Path(n["source"]).name] for n in _rows(tmp_path, "notices.jsonl")} == {2020}


def test_local_proper_nouns_of_different_places_never_share_a_match(stores, tmp_path):
    compare(stores["issue-local-proper-noun"], tmp_path)
    matches = _rows(tmp_path, "matches.jsonl")
    local = [m["match_id"] for m in matches if "产业" in m["item"]]
    assert len(local) == 3 and len(set(local)) == 3
    # and the plan's own tasks still match in all three
    counts: dict[str, int] = {}
    for m in matches:
        counts[m["match_id"]] = counts.get(m["match_id"], 0) + 1
    assert sorted(counts.values()).count(3) == 10


@pytest.mark.parametrize("item, doc, names", [
    ("公开缙云烧饼产业发展扶持政策", {"county": "缙云县", "city": "丽水市"}, {("缙云", "烧饼")}),
    ("公开天水麻辣烫产业扶持政策", {"county": "秦州区", "city": "天水市"}, {("天水", "麻辣")}),
    ("推进“赣服通”永丰分厅建设", {"county": "永丰县"}, {("永丰", "分厅")}),
    ("长阳茶叶产业扶持政策公开", {"county": "长阳土家族自治县"}, {("长阳", "茶叶")}),
    # the place itself, with its level, names nothing local; nor a place at the end of a quote
    ("在缙云县政府门户网站公开", {"county": "缙云县"}, set()),
    ("对照《江西省县级以上人民政府重大行政决策程序规定》", {"province": "江西省"}, set()),
    ("抽查结果在“信用宜阳”网站公示", {"county": "宜阳县"}, set()),
    ("长阳土家族自治县乡村振兴补助资金公开", {"county": "长阳土家族自治县"}, set()),
    ("在阳朔镇便民服务中心设立政务公开专区", {"county": "阳朔县"}, set()),  # the county seat, a town
    # a name inside quotation marks is a media account or a column, not a product of the place
    ("通过政府门户网站和“缙云发布”微信公众号发布政策解读", {"county": "缙云县"}, set()),
    ("在“临西之窗”开设政策解读专栏", {"county": "临西县"}, set()),
    # a place name that is part of a word
    ("支持全市中小企业发展", {"county": "市中区"}, set()),
    ("推动高新技术产业发展", {"county": "高新区"}, set()),
    ("依托新华书店开展全民阅读", {"county": "新华区"}, set()),
])
def test_local_names_are_what_follows_a_bare_place_name(item, doc, names):
    assert local_names(item, doc) == names


@pytest.mark.parametrize("a, b, conflict", [
    # the nouns are what differs: another place's product
    (("公开缙云烧饼产业发展扶持政策", ("缙云", "烧饼")), ("公开临西轴承产业集群扶持政策", ("临西", "轴承")), True),
    (("公开天水麻辣烫产业扶持政策", ("天水", "麻辣")), ("公开临西轴承产业集群扶持政策", ("临西", "轴承")), True),
    # the same noun; or texts that differ in more than the nouns (each province's app): the cosine decides
    (("推进赣服通永丰分厅建设", ("永丰", "分厅")), ("推进皖事通灵璧分厅建设", ("灵璧", "分厅")), False),
    (("推进浙江政务服务网缙云站点信息公开", ("缙云", "站点")), ("推进天府通办三台分厅信息公开", ("三台", "分厅")), False),
])
def test_differing_local_nouns_veto_only_when_they_are_what_differs(a, b, conflict):
    texts = [clean(a[0]), clean(b[0])]
    names = [frozenset([a[1]]), frozenset([b[1]])]
    assert names_conflict(0, 1, names, texts, MatchSettings()) is conflict


def test_local_media_accounts_and_common_words_do_not_split_a_task():
    """Each county's own account in an otherwise equal task, and a bare place before everyone's word
    (缙云政务服务中心 against 甘谷便民服务中心): one task each, in one match."""
    places = [("jinyun", "缙云县", "丽水市", "“缙云发布”", "缙云政务"), ("linxi", "临西县", "邢台市", "“临西之窗”", None),
              ("gangu", "甘谷县", "天水市", "“甘谷发布”", "甘谷便民")]
    base = ["组织开展政府开放日活动", "编制发布政府信息公开工作年度报告", "对现行有效的行政规范性文件进行集中统一公开"]
    docs, tasks = [], []
    for doc_id, county, city, account, centre in places:
        docs.append({"doc_id": doc_id, "source": f"{doc_id}.docx", "county": county, "city": city,
                     "title": "2023年政务公开工作要点"})
        items = base + [f"通过政府门户网站和{account}微信公众号及时发布政策解读材料"]
        items += [f"在{centre}服务中心设立政务公开专区"] if centre else []
        for row, item in enumerate(items, 1):
            tasks.append({"doc_id": doc_id, "table": 1, "row": row, "item": item, "lead_units": ["县政府办"]})
    notices = [{"doc_id": d["doc_id"], "source": d["source"], "notice_id": d["doc_id"], "preferred": True}
               for d in docs]
    rows = match_rows(docs, tasks, notices)
    assert len({r["match_id"] for r in rows if "微信" in r["item"]}) == 1
    assert len({r["match_id"] for r in rows if "专区" in r["item"]}) == 1  # (临西 has no such task)
