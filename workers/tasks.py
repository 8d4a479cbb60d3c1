"""Every task handler, registered by importing its module."""
import workers.documents  # noqa: F401
