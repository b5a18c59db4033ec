"""`govnotice compare` on built notices, one defect each (tests/data/compare/issue-*/, made by
tests/fixtures/build_compare_notices.py): same-named districts, a region-less annex, two plan years,
local proper nouns."""
import json
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main as cli_main
from pipeline.compare import (compare, group_notices, load_store, local_names, notice_years, pivot, plan_year,
                              region_labels)
from pipeline.run import Options, run

DATA = Path(__file__).resolve().parent / "data" / "compare"


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    """Each case's notices extracted into a store of its own."""
    out = {}
    for case in sorted(p.name for p in DATA.iterdir() if p.is_dir()):
        out[case] = tmp_path_factory.mktemp(case)
        run([str(DATA / case)], str(out[case]), Options(jobs=1))
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
    # two notices of one place: the issue date; of one day: the file name; of one file name: the doc_id
    ([{"doc_id": "a", "city": "福州市", "county": "鼓楼区", "issue_date": "2022-05-20", "source": "x/a.docx"},
      {"doc_id": "b", "city": "福州市", "county": "鼓楼区", "issue_date": "2023-04-01", "source": "x/b.docx"},
      {"doc_id": "c", "city": "南京市", "county": "鼓楼区", "issue_date": "2022-05-20", "source": "y/a.docx"}],
     ["福州市鼓楼区 (2022-05-20)", "福州市鼓楼区 (2023-04-01)", "南京市鼓楼区"]),
    ([{"doc_id": "a", "county": "东至县", "issue_date": "2020-08-14", "source": "a.docx"},
      {"doc_id": "b", "county": "东至县", "issue_date": "2020-08-14", "source": "b.pdf"},
      {"doc_id": "c", "county": "东至县", "issue_date": "2020-08-14", "source": "other/b.pdf"}],
     ["东至县 [a.docx]", "东至县 [b.pdf] {b}", "东至县 [b.pdf] {c}"]),
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
    repost = dict(next(d for d in documents if d["adcode"]), doc_id="repost", adcode=None, county=None,
                  doc_number=None, title=None)
    copied = [dict(t, doc_id="repost", deadline=None, deadline_kind="none", deadline_text=None)
              for t in tasks if t["doc_id"] != annex["doc_id"]]
    notices = group_notices(documents + [repost], tasks + copied)
    ids = {n["doc_id"]: n["notice_id"] for n in notices}
    assert len(set(ids.values())) == 2 and ids["repost"] != ids[annex["doc_id"]]


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


@pytest.mark.parametrize("doc, year", [
    ({"title": "关于印发2023年缙云县政务公开工作要点的通知", "issue_date": "2022-12-30"}, 2023),
    ({"title": "关于印发《二〇二二年政务公开工作要点》的通知"}, 2022),
    ({"title": "2022年政务公开重点工作任务分工表"}, 2022),
    ({"title": "关于全面推进基层政务公开标准化规范化的实施方案", "issue_date": "2020-07-03"}, 2020),
    ({"title": None, "doc_number": "东政办秘〔2020〕64号"}, 2020),
    ({"title": "任务分工及进度安排"}, None),
])
def test_plan_year_from_title_then_issue_date_then_document_number(doc, year):
    assert plan_year(doc) == year


def test_a_notice_of_no_year_goes_with_the_others_only_when_they_share_one():
    docs = [{"doc_id": d, "title": t} for d, t in (("a", "2022年要点"), ("b", "2022年分工"), ("c", "分工表"))]
    notices = [{"doc_id": d["doc_id"], "notice_id": d["doc_id"], "preferred": True} for d in docs]
    assert notice_years(docs, notices) == {"a": 2022, "b": 2022, "c": 2022}
    docs[1]["title"] = "2023年分工"
    assert notice_years(docs, notices) == {"a": 2022, "b": 2023, "c": None}


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
    ("公开缙云烧饼产业发展扶持政策", {"county": "缙云县", "city": "丽水市"}, {"烧饼"}),
    ("公开天水麻辣烫产业扶持政策", {"county": "秦州区", "city": "天水市"}, {"麻辣"}),
    ("推进“赣服通”永丰分厅建设", {"county": "永丰县"}, {"分厅"}),
    # the place itself, with its level, names nothing local; nor a place at the end of a quote
    ("在缙云县政府门户网站公开", {"county": "缙云县"}, set()),
    ("对照《江西省县级以上人民政府重大行政决策程序规定》", {"province": "江西省"}, set()),
    ("抽查结果在“信用宜阳”网站公示", {"county": "宜阳县"}, set()),
    ("长阳土家族自治县乡村振兴补助资金公开", {"county": "长阳土家族自治县"}, set()),
])
def test_local_names_are_what_follows_a_bare_place_name(item, doc, names):
    assert local_names(item, doc) == names
