"""What an auditor reads and files: the audit report page (HTML) and CSV / XLSX exports of a result."""

from service.report.exports import export_csv, export_xlsx
from service.report.html import render_report_html

__all__ = ["export_csv", "export_xlsx", "render_report_html"]
