"""Fixtures shared by the video tests. Importing mmx first applies its compatibility fixes (the mmaction2
1.2.0 wheel cannot import its models without them) and registers the mmx video modules."""
import mmx  # noqa: F401
