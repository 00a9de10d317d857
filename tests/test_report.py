"""The audit report page and the exports: rendered from real results, opened in headless Chromium, and produced
offline by `nianbao extract --format`."""

from __future__ import annotations

import csv
import io
import re
import time
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from service.findings import SEVERITY_ORDER, Finding
from service.pipeline import analyze_bytes
from service.report import export_csv, export_xlsx, render_report_html
from tests.api_support import Browser, upload, wait_until_finished
from tests.conftest import REAL, SEED


@pytest.fixture(scope="module")
def seed_result():
    return analyze_bytes(SEED.read_bytes(), SEED.name)


@pytest.fixture(scope="module")
def inconsistent_result():
    """平潭经济发展局 2023: table 三 says 3 new applications but every result row is 0 (R1 fails, MANIFEST)."""
    path = REAL / "fujian_pingtan_econdev_2023.txt"
    return analyze_bytes(path.read_bytes(), path.name)


class Elements(HTMLParser):
    """Start tags with their attributes, in document order."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def with_class(self, tag: str, cls: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag and cls in (a.get("class") or "").split()]


def test_every_figure_is_highlighted_with_its_details(seed_result):
    page = render_report_html(seed_result)
    marks = Elements(page).with_class("mark", "fig")
    assert [m["data-figure"] for m in marks] == [f.id for f in sorted(seed_result.figures, key=lambda f: f.start)]
    for figure in seed_result.figures:
        tip = re.search(rf'id="tip-{figure.id}">(.*?)</span></mark>', page, re.DOTALL).group(1)
        assert figure.unit in tip and (figure.subject or "") in tip
        if figure.metric:
            assert figure.metric in tip
    linked = [m for m in marks if m.get("data-target")]
    assert linked, "figures linked to a table cell point at it"
    cell_ids = {a["id"] for a in Elements(page).with_class("td", "cell")}
    assert all(set(m["data-target"].split()) <= cell_ids for m in linked)


def test_tables_and_metadata(seed_result):
    page = render_report_html(seed_result)
    for key, table in seed_result.tables.items():
        assert f'id="table-{key}"' in page
        for row, cells in (table.rows.items() if table else []):
            for col in cells:
                assert f'id="cell-{key}-{row.replace(".", "_")}-{col}"' in page
    assert "（七）总计" in page and "结果维持" in page and "行政规范性文件" in page
    for value in (seed_result.document.agency, str(seed_result.document.year), seed_result.document.sha256):
        assert value in page


def test_failing_cells_are_marked_and_findings_sorted(inconsistent_result):
    page = render_report_html(inconsistent_result)
    elements = Elements(page)
    failing = {(e.table, e.row, e.col) for f in inconsistent_result.findings if f.severity == "error"
               for e in f.evidence if e.kind == "cell"}
    assert failing, "the MANIFEST says this table is inconsistent"
    marked = {a["id"] for a in elements.with_class("td", "state-error")}
    assert {f"cell-{t}-{r.replace('.', '_')}-{c}" for t, r, c in failing} <= marked
    order = [a["data-severity"] for a in elements.with_class("li", "finding")]
    assert order == sorted(order, key=SEVERITY_ORDER.__getitem__) and "error" in order
    evidence_links = [a["href"][1:] for t, a in elements.tags if t == "a" and "data-target" in a]
    ids = {a["id"] for _, a in elements.tags if "id" in a}
    assert evidence_links and set(evidence_links) <= ids, "every evidence link lands on an element of the page"


@pytest.mark.parametrize("path", [p for p in sorted(REAL.iterdir()) if p.suffix in (".txt", ".md", ".html")],
                         ids=lambda p: p.name)
def test_every_real_text_document_renders(path):
    result = analyze_bytes(path.read_bytes(), path.name)
    page = render_report_html(result)
    assert page.count('<mark class="fig') == len({f.start for f in result.figures})
    assert len(Elements(page).with_class("li", "finding")) == len(result.findings)
    assert load_workbook(io.BytesIO(export_xlsx(result)))["findings"].max_row == len(result.findings) + 1
    assert export_csv(result).startswith("\ufeffsheet,".encode())


def test_csv_sheets(inconsistent_result):
    rows = list(csv.DictReader(io.StringIO(export_csv(inconsistent_result, sheet="findings").decode("utf-8-sig"))))
    assert [r["rule"] for r in rows] == [f.rule for f in sorted(inconsistent_result.findings,
                                                                  key=lambda f: SEVERITY_ORDER[f.severity])]
    assert all(r["message_zh"] and r["message_en"] for r in rows)
    with pytest.raises(ValueError):
        export_csv(inconsistent_result, sheet="nope")


def test_xlsx_shades_failing_rows(inconsistent_result):
    book = load_workbook(io.BytesIO(export_xlsx(inconsistent_result)))
    sheet = book["cells"]
    header = [c.value for c in sheet[1]]
    state_at = header.index("state")
    shaded = [row for row in sheet.iter_rows(min_row=2) if row[state_at].value == "error"]
    assert shaded and all(c.fill.fgColor.rgb.endswith("FDE7E7") for c in shaded[0])


HOSTILE = ("某局2023年政府信息公开工作年度报告\n一、总体情况\n"
           "本年收到申请=HYPERLINK(\"http://x\")件，<script>window.__owned=1</script>共 3 件。\n").encode()


def test_document_text_is_inert_in_page_and_exports():
    result = analyze_bytes(HOSTILE, "<b>hostile</b>.txt")
    hostile = Finding(rule="X0", severity="warning", message_zh='=HYPERLINK("http://x","点击")', message_en="@SUM(1)")
    result = result.model_copy(update={"findings": [*result.findings, hostile]})
    page = render_report_html(result)
    assert "<script>window.__owned" not in page and "&lt;script&gt;window.__owned" in page
    assert "<b>hostile</b>" not in page and "&lt;b&gt;hostile&lt;/b&gt;" in page
    rows = list(csv.reader(io.StringIO(export_csv(result, sheet="findings").decode("utf-8-sig"))))
    assert ["'=HYPERLINK(\"http://x\",\"点击\")", "'@SUM(1)"] in [r[2:4] for r in rows]
    sheet = load_workbook(io.BytesIO(export_xlsx(result)))["findings"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if str(c.value).startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_cli_extract_formats(tmp_path, seed_result):
    from typer.testing import CliRunner

    from service.cli import app

    runner = CliRunner()
    for fmt in ("html", "csv", "xlsx", "json"):
        out = tmp_path / f"seed.{fmt}"
        done = runner.invoke(app, ["extract", str(SEED), "--format", fmt, "-o", str(out)])
        assert done.exit_code == 0, done.output
        data = out.read_bytes()
        if fmt == "html":
            assert data.decode().count('<mark class="fig') == len(seed_result.figures)
        elif fmt == "csv":
            assert data.startswith("\ufeffsheet,".encode())
        elif fmt == "xlsx":
            assert load_workbook(io.BytesIO(data)).sheetnames == ["document", "figures", "cells", "findings"]
        else:
            assert b'"schema_version"' in data
    bad = runner.invoke(app, ["extract", str(SEED), "--format", "pdf"])
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "--format" in bad.stderr


def test_report_page_in_chromium(api_server, tmp_path):
    with api_server.client() as client:
        doc = upload(client, SEED.read_bytes(), SEED.name).json()
        doc = wait_until_finished(client, doc["id"])
    figures = doc["result"]["figures"]
    browser = Browser(tmp_path / "profile")
    try:
        browser.navigate(f"{api_server.base_url}/v1/documents/{doc['id']}/report")
        assert browser.evaluate("document.documentElement.dataset.reportReady") == "1"
        marks = browser.evaluate("""[...document.querySelectorAll('mark.fig')].map(m => {
            const r = m.getBoundingClientRect(), s = getComputedStyle(m);
            return {id: m.dataset.figure, w: r.width, h: r.height, bg: s.backgroundColor, line: s.borderBottomStyle};
        })""")
        assert [m["id"] for m in marks] == [f["id"] for f in sorted(figures, key=lambda f: f["start"])]
        body_bg = browser.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
        for mark in marks:
            assert mark["w"] > 0 and mark["h"] > 0, mark
            assert mark["bg"] not in ("rgba(0, 0, 0, 0)", body_bg) and mark["line"] == "solid", mark
        first = figures[0]["id"]
        assert browser.evaluate(f"getComputedStyle(document.querySelector('#tip-{first}')).display") == "none"
        browser.evaluate(f"document.querySelector('#fig-{first}').click()")
        assert browser.evaluate(f"getComputedStyle(document.querySelector('#tip-{first}')).display") == "block"
        linked = next(f for f in figures if f["metric"])
        browser.evaluate(f"document.querySelector('#fig-{linked['id']}').dispatchEvent(new Event('mouseenter'))")
        assert browser.evaluate("document.querySelectorAll('td.cell.linked').length") >= 1
        fonts = browser.evaluate("""(() => {
            const ctx = document.createElement('canvas').getContext('2d');
            const width = font => { ctx.font = font; return ctx.measureText('nianbao 2023 年报 0123').width; };
            return ['Noto Sans CJK SC', 'Noto Serif CJK SC', 'WenQuanYi Micro Hei', 'Source Han Sans SC', 'No Such Font']
              .filter(f => width('16px "' + f + '", monospace') !== width('16px monospace'));
        })()""")
        assert fonts and "No Such Font" not in fonts, f"no Chinese font of the page's font stack renders: {fonts}"
        shot = browser.screenshot(tmp_path / "report.png")
        assert shot.stat().st_size > 50_000 and shot.read_bytes().startswith(b"\x89PNG")
        assert browser.console_errors() == []
        assert browser.evaluate("document.documentElement.dataset.jsErrors || ''") == ""
    finally:
        browser.close()


def test_api_docs_page_works_offline(api_server, tmp_path):
    """/docs renders every route with Swagger UI served by the service itself (no CDN)."""
    browser = Browser(tmp_path / "profile")
    try:
        browser.navigate(f"{api_server.base_url}/docs")
        deadline = time.monotonic() + 20
        while browser.evaluate("document.querySelectorAll('.opblock').length") < 10:
            assert time.monotonic() < deadline, "Swagger UI did not render the operations"
            time.sleep(0.2)
        sources = browser.evaluate("[...document.scripts, ...document.querySelectorAll('link')]"
                                   ".map(e => e.src || e.href).filter(Boolean)")
        assert sources and all(s.startswith(api_server.base_url) for s in sources), sources
        assert browser.console_errors() == []
    finally:
        browser.close()
