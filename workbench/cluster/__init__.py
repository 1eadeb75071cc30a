"""Following a profiled run's Dask tasks into the workers of a `distributed.Client`.

`follow` is the client's side (a collector the session starts and stops), `worker_side`
what runs in each worker, `stream` what runs on the scheduler, `payload` what comes back.
Nothing here imports distributed at import time: the workbench works without it.
"""
