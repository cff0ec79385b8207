"""pytest options: `--update-golden` rewrites the golden files (never in CI);
`--conformance-count N` sets how many generated inputs tests/conformance runs,
`--llmisvc-count N` (or KSERVE_GITOPS_LLMISVC_COUNT) how many generated LLMInferenceServices."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_CACHE_ENV = "KSERVE_GITOPS_CACHE_DIR"  # generator.render_cache.DIR_ENV


def pytest_configure(config: pytest.Config) -> None:
    """The console scripts the tests run use a render cache of this session, never the
    user's: every render after the first of the same input then goes through the cache."""
    if not os.environ.get(_CACHE_ENV):
        folder = tempfile.mkdtemp(prefix="kserve-gitops-test-cache-")
        os.environ[_CACHE_ENV] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/*/expected.* from the current output (review the diff)",
    )
    parser.addoption(
        "--conformance-count",
        type=int,
        default=300,
        help="generated InferenceServices the differential suite (tests/conformance) runs",
    )
    parser.addoption(
        "--llmisvc-count",
        type=int,
        default=int(os.environ.get("KSERVE_GITOPS_LLMISVC_COUNT") or 300),
        help="generated LLMInferenceServices the differential suite runs "
        "(default: $KSERVE_GITOPS_LLMISVC_COUNT, else 300)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    wanted = bool(request.config.getoption("--update-golden"))
    if wanted and os.environ.get("CI"):
        pytest.fail("--update-golden is refused when CI is set")
    return wanted
