"""The command line end to end, the committed outputs, and the README kept in step with both."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
README = (ROOT / "README.md").read_text(encoding="utf-8")
# each command's options table sits in its own README section, `## \`govnotice NAME\``
SECTIONS = {name: README.split(f"## `govnotice {name}`", 1)[1].split("\n## ", 1)[0]
            for name in re.findall(r"^## `govnotice (\w+)`", README, flags=re.M)}
COMMITTED = ["documents", "tasks", "catalog", "domains"]


def _subcommands() -> dict:
    return next(a for a in build_parser()._actions if a.dest == "command").choices


def test_extract_on_the_corpus_writes_every_output(tmp_path, capsys):
    assert main(["extract", str(CORPUS), "-o", str(tmp_path)]) == 0
    for name in COMMITTED:
        assert (tmp_path / f"{name}.jsonl").is_file() and (tmp_path / f"{name}.csv").is_file()
    assert (tmp_path / "errors.jsonl").read_text() == ""
    assert (tmp_path / "notices.db").is_file()
    summary = capsys.readouterr().err.strip().splitlines()[-1]
    assert summary.startswith("12 documents read, 381 tasks, 8 catalog items, 78 domains, 0 errors")
    tasks = [json.loads(line) for line in (tmp_path / "tasks.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(tasks) == 381 and all(t["deadline_kind"] in ("date", "ongoing", "none", "unparsed") for t in tasks)


def test_committed_outputs_are_current(tmp_path):
    assert main(["extract", str(CORPUS), "-o", str(tmp_path), "--quiet"]) == 0
    for name in COMMITTED:
        for ext in ("jsonl", "csv"):
            fresh = (tmp_path / f"{name}.{ext}").read_bytes()
            committed = (ROOT / "outputs" / f"{name}.{ext}").read_bytes()
            assert fresh == committed, f"outputs/{name}.{ext} is stale: run govnotice extract corpus -o outputs"


def test_python_dash_m_pipeline_runs(tmp_path):
    sample = CORPUS / "tunliu_2020_tasks.docx"
    run = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(sample), "-o", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "1 document read, 25 tasks" in run.stderr


def test_nothing_readable_exits_non_zero(tmp_path, capsys):
    bad = tmp_path / "in" / "broken.pdf"
    bad.parent.mkdir()
    bad.write_bytes(b"%PDF-1.7\n garbage")
    assert main(["extract", str(bad.parent), "-o", str(tmp_path / "out")]) == 1
    errors = (tmp_path / "out" / "errors.jsonl").read_text().splitlines()
    assert len(errors) == 1 and json.loads(errors[0])["source"] == "broken.pdf"
    assert "broken.pdf" in capsys.readouterr().err


def test_every_subcommand_has_a_readme_section():
    assert set(SECTIONS) == set(_subcommands())


def test_readme_documents_every_option():
    for name, parser in _subcommands().items():
        documented = set(re.findall(r"^\| `(?:-\w`, `)?(--[\w-]+)", SECTIONS[name], flags=re.M))
        options = {s for a in parser._actions for s in a.option_strings if s.startswith("--") and s != "--help"}
        assert documented == options, name


def test_readme_defaults_are_the_parsers():
    checked = 0
    for name, parser in _subcommands().items():
        actions = {s: a for a in parser._actions for s in a.option_strings}
        rows = re.findall(r"^\| `(?:-\w`, `)?(--[\w-]+)[^|]*\|[^|]*\| ([^|]+) \|$", SECTIONS[name], flags=re.M)
        for option, default in rows:
            value = actions[option].default
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert default.strip() == f"{value:g}", f"{name} {option}"
                checked += 1
    assert checked >= 10


def test_help_has_an_example():
    assert "example: govnotice extract" in build_parser().format_help()


def test_readme_commands_are_the_ones_ci_runs():
    assert "bash .ci/setup && .venv/bin/govnotice extract corpus -o outputs" in README
    test_command = ".venv/bin/python -m pytest -q"
    assert f"```sh\n{test_command}\n```" in README
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[-2:] == ["bash .ci/setup", test_command]
    setup = (ROOT / ".ci" / "setup").read_text()
    assert "python3 -m venv .venv" in setup and "pip install --quiet -e '.[test]'" in setup


def test_manifest_in_the_input_folder_overrides_the_region(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.docx").write_bytes((CORPUS / "tunliu_2020_tasks.docx").read_bytes())
    (folder / "b.html").write_bytes((CORPUS / "dongzhi_2020.html").read_bytes())
    (folder / "manifest.csv").write_text("file,province,city,county,url\na.docx,江西省,九江市,,https://example.org/a\n",
                                         encoding="utf-8")
    assert main(["extract", str(folder), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    docs = {d["source"]: d for d in map(json.loads, (tmp_path / "out" / "documents.jsonl").read_text().splitlines())}
    a, b = docs["a.docx"], docs["b.html"]
    assert (a["province"], a["city"], a["county"], a["adcode"]) == ("江西省", "九江市", None, "360400")
    assert (b["county"], b["adcode"]) == ("东至县", "341721")  # not in the manifest: the document decides
    tasks = [json.loads(line) for line in (tmp_path / "out" / "tasks.jsonl").read_text().splitlines()]
    assert {t["city"] for t in tasks if t["doc_id"] == a["doc_id"]} == {"九江市"}


def test_byte_identical_copies_are_written_once(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    data = (CORPUS / "tunliu_2020_tasks.docx").read_bytes()
    (folder / "a.docx").write_bytes(data)
    (folder / "copy of a.docx").write_bytes(data)
    assert main(["extract", str(folder), "-o", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "copy of a.docx: same bytes as a.docx" in err
    assert err.strip().splitlines()[-1].startswith("1 document read, 25 tasks")
    assert len((tmp_path / "out" / "documents.jsonl").read_text().splitlines()) == 1


def test_manifest_with_a_wrong_header_is_a_clear_error(tmp_path, capsys):
    manifest = tmp_path / "m.csv"
    manifest.write_text("filename,province\na.docx,江西省\n", encoding="utf-8")
    sample = CORPUS / "tunliu_2020_tasks.docx"
    assert main(["extract", str(sample), "-o", str(tmp_path / "out"), "--manifest", str(manifest)]) == 2
    assert "lacks the column(s) city, county, file" in capsys.readouterr().err


def test_rtf_is_reported_not_read_as_text(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.rtf").write_text(r"{\rtf1\ansi 关于印发的通知}", encoding="utf-8")
    (folder / "b.docx").write_bytes((CORPUS / "tunliu_2020_tasks.docx").read_bytes())
    assert main(["extract", str(folder), "-o", str(tmp_path / "out")]) == 0
    errors = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert [(e["source"], e["error"]) for e in errors] == [("a.rtf", "unsupported_format")]


def test_module_docstring_names_every_subcommand():
    import pipeline.cli
    assert all(f"govnotice {name} " in pipeline.cli.__doc__ for name in _subcommands())


def test_max_unzipped_names_every_zip_format_its_limit_applies_to():
    # the kinds passed to check_zip (DOCX by default) must all be named in the help and the README row
    import ast
    kinds = {"DOCX"}
    for path in (ROOT / "extractors").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check_zip" and len(node.args) > 2:
                kinds.add(node.args[2].value)
    assert kinds >= {"DOCX", "XLSX", "OFD"}
    action = next(a for a in _subcommands()["extract"]._actions if "--max-unzipped" in a.option_strings)
    row = next(line for line in SECTIONS["extract"].splitlines() if line.startswith("| `--max-unzipped"))
    assert all(kind in action.help and kind in row for kind in kinds)


@pytest.mark.parametrize("argv", [["--help"], ["extract", "--help"], ["remove", "--help"]])
def test_help_loads_no_reader_and_no_rule_table(argv):
    """`govnotice --help` imports the readers lazily (issue 12): no parser library, no lexicon patterns,
    and no command's module but the one named (the runner, the store, fetch and compare load on use)."""
    code = (f"import sys\nfrom pipeline.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "heavy = ('pdfplumber', 'bs4', 'docx', 'opencc', 'openpyxl', 'jieba', 'pandas', 'dask', 'pipeline.lexicon',"
            " 'normalizers.text', 'normalizers.regions', 'pipeline.run', 'pipeline.store', 'pipeline.exporters',"
            " 'pipeline.fetch', 'pipeline.compare', 'pipeline.model', 'extractors', 'sqlite3', 'httpx', 'logging')\n"
            "print(' '.join(m for m in heavy if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "usage:" in done.stdout
    assert done.stderr.strip() == ""


@pytest.mark.parametrize("command", ["extract", "remove", "fetch", "compare"])
def test_a_command_named_gets_its_options_when_parsed(command):
    """The lazy parser adds a command's options when that command is parsed: the same options as the
    parser the tests build whole, and usage errors name them."""
    whole = {s for a in _subcommands()[command]._actions for s in a.option_strings}
    parser = build_parser(lazy=True)
    lazy = next(a for a in parser._actions if a.dest == "command").choices[command]
    assert {s for a in lazy._actions for s in a.option_strings} == {"-h", "--help"}
    with pytest.raises(SystemExit) as stop:
        parser.parse_args([command])
    assert stop.value.code == 2
    assert {s for a in lazy._actions for s in a.option_strings} == whole and len(whole) > 2


def test_export_formats_of_the_command_line_are_the_exporters():
    from pipeline.exporters import EXPORTERS
    from pipeline.options import EXPORT_FORMATS
    assert tuple(EXPORTERS) == EXPORT_FORMATS
