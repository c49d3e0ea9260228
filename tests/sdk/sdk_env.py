"""Paths the sdk tests get from ctest (tests/sdk/CMakeLists.txt), and the
integration harness (tests/integration/harness.py) on sys.path."""

import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import harness  # noqa: E402  (after the sys.path change on purpose)


def env_path(name):
    return harness.required_env(name, "sdk/")


def test_plugin(name):
    """A plugin built by tests/sdk/CMakeLists.txt, e.g. test_plugin("misbehaving.so")."""
    path = os.path.join(env_path("HERALD_SDK_TEST_PLUGINS"), name)
    if not os.path.isfile(path):
        raise AssertionError(f"test plugin {path} not built")
    return path


def first_party_plugins():
    return [p for p in os.environ.get("HERALD_FIRST_PARTY_PLUGINS", "").split(":") if p]


def temp_dir(testcase, prefix):
    """A fresh 0755 directory removed at the end of the test."""
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    if not os.environ.get("HERALD_IT_KEEP"):
        testcase.addCleanup(shutil.rmtree, d, True)
    return d


def copy_plugin(src, directory, name=None, mode=0o755):
    path = os.path.join(directory, name or os.path.basename(src))
    shutil.copyfile(src, path)
    os.chmod(path, mode)
    return path


def plugin_check(path):
    """(exit code, report lines) of `herald plugin-check path`."""
    code, out, err = harness.run_herald(["plugin-check", path], timeout=120)
    return code, out.splitlines(), out + err
