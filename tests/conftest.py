"""The fixtures several test packages share, registered here once for the whole suite.

pytest takes ``pytest_plugins`` only from the root conftest; a package's own conftest keeps the
fixtures that only its tests use.
"""

pytest_plugins = [
    "tests.fixtures.hub",
    "tests.fixtures.engines",
    "tests.fixtures.consoles",
]
