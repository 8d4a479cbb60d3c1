"""Process machinery for background work: the rq worker class (hard limits, recycling),
the worker pool that keeps them running and sweeps the task table, and the job entry
point rq calls. The jobs themselves are task handlers beside their areas' services in
gateway/ (gateway/<area>/tasks.py), found by task name."""
