"""The video tests' fixtures. They live in action_helpers.py with the shared helpers, because test modules import
those by module name: a module named ``conftest`` is ambiguous when pytest collects several test folders at once."""
from action_helpers import toy_videos  # noqa: F401
