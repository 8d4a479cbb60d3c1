"""Every task handler, registered by importing its module."""
import workers.decisions  # noqa: F401
import workers.documents  # noqa: F401
import workers.webhooks  # noqa: F401
