"""WSGI entry point for gunicorn (``qingwang serve``) and other WSGI servers."""
from gateway.app import create_app

app = create_app()
# Embedded mode: this process runs jobs itself and sweeps up work left from before
# (with Redis, the workers do; starting is then a no-op).
app.extensions["qingwang"].dispatcher.start()
# Listing decisions' audit entries are sealed into the chain in batches by a thread of this
# process, not one at a time inside each decision's commit (gateway.audit.sealing).
app.extensions["qingwang"].start_audit_sealer()
