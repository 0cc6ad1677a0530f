"""Names shared by light and heavy modules (kept import-free so the runner starts fast)."""
from __future__ import annotations

HEADLINE_MIME = "application/vnd.gonv.headline+json"
READS_MIME = "application/vnd.gonv.reads+json"
