"""./test.sh must not report success when nothing was tested: pytest's exit
status 5 (nothing collected, or everything deselected by a typo in -k) and a
missing tests/integration directory are failures.

Each case runs the real test.sh, copied into a scratch project whose
install.sh only succeeds (the build is not what these cases are about) and
whose tests/integration holds a one-line pytest file."""
import os
import shutil
import subprocess
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_SH = os.path.join(HERE, "..", "..", "test.sh")

PASSING = "def test_ok():\n    assert True\n"
FAILING = "def test_broken():\n    assert False\n"


@pytest.fixture
def project():
    d = tempfile.mkdtemp(prefix="test-sh-")
    shutil.copy(TEST_SH, os.path.join(d, "test.sh"))
    with open(os.path.join(d, "install.sh"), "w") as f:
        f.write("#!/bin/sh\n# stands in for the build and package steps\nexit 0\n")
    os.chmod(os.path.join(d, "install.sh"), 0o755)
    os.makedirs(os.path.join(d, "tests", "integration"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _write_test(project, text):
    with open(os.path.join(project, "tests", "integration", "test_one.py"), "w") as f:
        f.write(text)


def _run(project, *args):
    env = dict(os.environ, SWIFT_SCRATCH_PATH=os.path.join(project, ".build"))
    env.pop("MOD_PROXY_SO", None)
    r = subprocess.run(["bash", "./test.sh", "--integration-only", *args], cwd=project, env=env,
                       capture_output=True, text=True, timeout=120)
    out = r.stdout + r.stderr
    summary = out[out.rfind("==== test.sh summary ===="):]
    return r.returncode, summary, out


def test_passing_suite_is_ok(project):
    _write_test(project, PASSING)
    rc, summary, out = _run(project)
    assert rc == 0, out
    assert "total: 1 passed, 0 failed, 0 skipped" in summary, summary
    assert "RESULT: OK" in summary, summary


def test_failing_suite_fails(project):
    _write_test(project, FAILING)
    rc, summary, out = _run(project)
    assert rc != 0, out
    assert "total: 0 passed, 1 failed, 0 skipped" in summary, summary
    assert "RESULT: FAILED" in summary, summary


def test_typo_in_k_expression_fails(project):
    _write_test(project, PASSING)
    rc, summary, out = _run(project, "-k", "no_such_test_name_xyz")
    assert rc != 0, out
    assert "integration: FAILED" in summary and "no tests ran" in summary, summary
    # pytest names the deselected test; under pytest-xdist it only says "no tests ran"
    assert "1 deselected" in summary or "--dist loadfile" in out, summary
    assert "total: 0 passed, 1 failed" in summary, summary
    assert "RESULT: FAILED" in summary, summary


def test_empty_suite_fails(project):
    rc, summary, out = _run(project)
    assert rc != 0, out
    assert "integration: FAILED" in summary and "no tests ran" in summary, summary
    assert "RESULT: FAILED" in summary, summary


def test_missing_integration_dir_fails(project):
    shutil.rmtree(os.path.join(project, "tests"))
    rc, summary, out = _run(project)
    assert rc != 0, out
    assert "integration: FAILED" in summary and "does not exist" in summary, summary
    assert "total: 0 passed, 1 failed" in summary, summary
    assert "RESULT: FAILED" in summary, summary
