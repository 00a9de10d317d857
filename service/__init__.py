"""nianbao: extraction and audit of Chinese 政府信息公开工作年度报告."""

__version__ = "0.1.0"

from service import torch_guard  # noqa: E402

torch_guard.install()
