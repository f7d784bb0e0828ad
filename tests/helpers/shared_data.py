"""The shared real data sets the tests read (../shared/data beside the repository)."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("FORMSCORE_SHARED_DATA", REPO.parent / "shared" / "data"))
X_EDUCATION = SHARED_DATA / "x_education" / "Leads.csv"
# X Education's columns filled in after the lead arrived, as the leakage guard finds them.
X_SUSPECTS = [
    "Last Activity",
    "Tags",
    "Lead Quality",
    "Asymmetrique Activity Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
    "Last Notable Activity",
]
