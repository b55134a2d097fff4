import pytest

from lamina.layers.deferred_init import skip_initializers


@pytest.fixture
def cheap_initializers():
    """Weights left undrawn (lamina's own load-time scope): the architecture tests build large
    models fast, and only their structure counts."""
    with skip_initializers():
        yield
