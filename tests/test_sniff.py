import io
import zipfile

import pytest

from service.ingest import IngestError, ingest, sniff
from tests.conftest import REAL, SEED


@pytest.mark.parametrize("name,expected", [
    ("jiangsu_huaian_city_2024.pdf", "pdf"),
    ("fujian_pingtan_zone_2024.html", "html"),
    ("shanghai_stcsm_2024.md", "md"),
    ("fujian_pingtan_zone_2021.txt", "txt"),
])
def test_format_is_judged_by_content(name, expected):
    assert sniff((REAL / name).read_bytes()) == expected


def test_extension_does_not_matter(tmp_path):
    assert sniff(SEED.read_bytes()) == "txt"
    assert sniff(b"<html><body><p>\xe6\x8a\xa5\xe5\x91\x8a</p></body></html>") == "html"


def test_gbk_text_is_decoded():
    data = "一、总体情况\n本机关全年收到申请42件。".encode("gbk")
    doc = ingest(data, "report.txt")
    assert "收到申请42件" in doc.text
    assert doc.source.encoding == "gb18030"


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (bytes(range(256)) * 20, "unsupported format"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".doc"),
    (b"PK\x03\x04garbage", "corrupt"),
])
def test_unreadable_input_raises_one_line_error(data, message):
    with pytest.raises(IngestError) as caught:
        ingest(data, "x.pdf")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_zip_that_is_not_docx_is_unsupported():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(IngestError, match="not a Word"):
        ingest(buffer.getvalue(), "report.docx")
