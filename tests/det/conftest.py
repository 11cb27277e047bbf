"""The detection tests' fixtures. They live in det_helpers.py with the shared helpers, because test modules import
those by module name: a module named ``conftest`` is ambiguous when pytest collects several test folders at once
(``pytest tests/action tests/det`` binds ``conftest`` to whichever folder's was loaded last)."""
from det_helpers import small_lvis, tiny_detector, toy_lvis_data  # noqa: F401
