from tests.monitoring.conftest import _event_store  # noqa: F401  (each test its own event store and rule cache)
