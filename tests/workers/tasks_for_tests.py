"""Task handlers used only by the job-system tests (loaded via QINGWANG_TASK_MODULES)."""
import signal
import time

from gateway.jobs.handlers import task
from gateway.tenancy.models import Platform


@task("test.native_hang")
def native_hang(runtime, payload):
    # Native code (an OCR runtime stuck in C) does not see rq's SIGALRM timeout; blocking
    # the signal reproduces that, so only the hard limit can end this job.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(payload.get("seconds", 60))


@task("test.record")
def record(runtime, payload):
    with runtime.db.session() as session:
        session.get(Platform, payload["platform_id"]).settings = {"touched_by": payload["who"]}
