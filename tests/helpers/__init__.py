"""Plain functions and constants the tests share, by topic.

Test modules import from here, never from one another or from a conftest; fixtures stay in the
conftest.py files, where pytest finds them.
"""
