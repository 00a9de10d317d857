"""Year over year through the service: reports of one agency for consecutive years get R8, H1 and X13 findings,
whichever arrives first (the later report is re-checked when the earlier one arrives)."""

from __future__ import annotations

import time

import pytest

from tests.api_support import upload, wait_until_finished
from tests.conftest import REAL, SEED


@pytest.fixture(scope="module")
def client(api_server):
    with api_server.client() as c:
        yield c


def cross_year(doc: dict, rule: str | None = None) -> list[dict]:
    return [f for f in doc["result"]["findings"] if f["data"].get("cross_year") and rule in (None, f["rule"])]


def process(client, path_or_bytes, name: str | None = None) -> dict:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    response = upload(client, data, name or path_or_bytes.name)
    assert response.status_code in (200, 202), response.text
    doc = wait_until_finished(client, response.json()["id"], timeout=180)
    assert doc["status"] == "done", doc["reason"]
    return doc


def refreshed(client, doc_id: str, rule: str, timeout: float = 20) -> dict:
    """The document once its cross-year findings for `rule` are there (written just after the earlier report)."""
    deadline = time.monotonic() + timeout
    while True:
        doc = client.get(f"/v1/documents/{doc_id}").json()
        if cross_year(doc, rule) or time.monotonic() > deadline:
            return doc
        time.sleep(0.2)


def gusu_2022_from_seed() -> bytes:
    """The seed with its years moved back by one: the same agency's report for 2022, with the same tables."""
    text = SEED.read_text(encoding="utf-8")
    return text.replace("2024", "2023_").replace("2023", "2022").replace("2023_", "2023").encode()


def test_hongze_2023_arriving_after_2024(client):
    later = process(client, REAL / "jiangsu_huaian_hongze_district_2024.pdf")
    assert later["year"] == 2024 and not cross_year(later)
    earlier = process(client, REAL / "jiangsu_huaian_hongze_district_2023.pdf")
    assert earlier["year"] == 2023 and not cross_year(earlier)
    assert earlier["agency"] != later["agency"], "the two PDFs name the agency differently; matching normalizes"
    later = refreshed(client, later["id"], "R8")
    r8 = cross_year(later, "R8")
    assert [f["severity"] for f in r8] == ["info"] and r8[0]["data"]["prior_year"] == 2023
    h1 = {f["data"]["row"]: f for f in cross_year(later, "H1")}
    in_force = later["result"]["tables"]["active_disclosure"]["rows"]["normative_documents"]["in_force"]["value"]
    assert h1["normative_documents"]["actual"] == in_force
    assert h1["normative_documents"]["data"]["prior_sha256"] == earlier["sha256"]


def test_pingtan_2021_2022_2024(client):
    y2022 = process(client, REAL / "fujian_pingtan_zone_2022.txt")
    y2024 = process(client, REAL / "fujian_pingtan_zone_2024.txt")
    y2021 = process(client, REAL / "fujian_pingtan_zone_2021.txt")
    y2022 = refreshed(client, y2022["id"], "R8")
    r8 = cross_year(y2022, "R8")
    assert [f["severity"] for f in r8] == ["info"], r8
    assert "natural_person" in r8[0]["data"]["columns"]
    # 2021's 行政规范性文件 cells ran together ("693665"); 2022's numbers (88 issued, 55 repealed, 698 in force)
    # narrow them to the splits whose in-force value is 665 (format-spec H1).
    runs = [f for f in cross_year(y2022, "H1") if f["data"].get("run")]
    assert runs and all(s["in_force"] == "665" for s in runs[0]["data"]["prior_splits"])
    assert not cross_year(y2021), "nothing before 2021 in the store"
    y2024 = client.get(f"/v1/documents/{y2024['id']}").json()
    assert not cross_year(y2024), "2023 is missing, so 2024 has nothing to be compared with"


def test_gusu_x13_h1_r8(client):
    later = process(client, SEED.read_bytes(), SEED.name)
    implied = [f for f in later["result"]["findings"] if f["rule"] == "X13" and "implied_prior" in f["data"]]
    assert implied and not cross_year(later, "X13"), "alone, the seed can only state what it implies"
    earlier = process(client, gusu_2022_from_seed(), "gusu_2022_report.txt")
    assert earlier["year"] == 2022
    later = refreshed(client, later["id"], "X13")
    x13 = cross_year(later, "X13")
    # "42 件，较去年增加 31%" implies about 32 last year; the 2022 report (same tables) has 42.
    assert x13 and x13[0]["severity"] == "warning" and x13[0]["actual"] == 42
    assert 31.9 < x13[0]["expected"] < 32.2
    assert not [f for f in later["result"]["findings"] if f["rule"] == "X13" and not f["data"].get("cross_year")]
    # 表二 行政规范性文件: 13 in force both years, 5 issued and 1 repealed this year: 13 + 5 − 1 ≠ 13.
    h1 = {f["data"]["row"]: f for f in cross_year(later, "H1")}
    assert h1["normative_documents"]["severity"] == "warning" and h1["normative_documents"]["expected"] == 17
    assert [f["severity"] for f in cross_year(later, "R8")] == ["info"]
    report = client.get(f"/v1/documents/{later['id']}/report").text
    assert "2022年度报告" in report and 'class="fig state-warning"' in report
    assert client.delete(f"/v1/documents/{earlier['id']}").status_code == 204
    later = client.get(f"/v1/documents/{later['id']}").json()
    assert not cross_year(later), "with the 2022 report deleted, nothing is compared with it"
