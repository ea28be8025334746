import pytest

from .reference import TRANSFORMS


@pytest.fixture(params=list(TRANSFORMS), ids=list(TRANSFORMS))
def M(request):
    """Every transform kind: each property test runs over all of them."""
    return TRANSFORMS[request.param]
