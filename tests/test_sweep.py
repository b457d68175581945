"""Sweeps give the same numbers whichever executor runs them, write each
result as it finishes, and skip finished results on a re-run."""

import json
import os

import pytest

from experiments._sweep import run_sweep, sweep_settings, task_rng
from sweep_tasks import count_calls, noisy_mean

GRID = [{"n": n, "scale": s} for n in (3, 8, 21) for s in (0.5, 2.0)]


def strip_pid(results):
    return [{k: v for k, v in r.items() if k != "pid"} for r in results]


def test_seeded_per_task_not_per_worker():
    serial = run_sweep(noisy_mean, GRID, executor="serial", seed=3)
    processes = run_sweep(noisy_mean, GRID, executor="processes", seed=3)
    assert strip_pid(serial) == strip_pid(processes)
    assert len({r["pid"] for r in processes} - {os.getpid()}) >= 1  # really ran elsewhere
    # Reordering the grid does not change any task's numbers; the seed does.
    reordered = run_sweep(noisy_mean, GRID[::-1], executor="serial", seed=3)
    assert strip_pid(reordered) == strip_pid(serial)[::-1]
    other_seed = run_sweep(noisy_mean, GRID, executor="serial", seed=4)
    assert strip_pid(other_seed) != strip_pid(serial)
    assert task_rng(3, GRID[0]).standard_normal() == task_rng(3, dict(GRID[0])).standard_normal()


def test_dask_local_cluster_gives_the_same_numbers():
    distributed = pytest.importorskip("dask.distributed", reason="the distributed extra is part of the test extra")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = run_sweep(noisy_mean, GRID, executor=client, seed=3)
        with sweep_settings(executor=cluster.scheduler_address):  # an address works too
            by_address = run_sweep(noisy_mean, GRID, seed=3)
    local = run_sweep(noisy_mean, GRID, executor="processes", seed=3)
    assert strip_pid(remote) == strip_pid(local) == strip_pid(by_address)


def test_finished_results_are_written_and_skipped_on_rerun(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    (log / "interrupt-3").touch()
    grid = [{"i": i, "log": str(log)} for i in range(6)]
    with pytest.raises(KeyboardInterrupt):
        run_sweep(count_calls, grid, executor="serial", cache=tmp_path / "cache", desc="squares")
    written = sorted((tmp_path / "cache" / "squares").glob("*.json"))
    assert {json.loads(p.read_text())["result"] for p in written} == {0, 1, 4}  # finished before Ctrl-C
    (log / "interrupt-3").unlink()
    for call in log.glob("call-*"):
        call.unlink()
    results = run_sweep(count_calls, grid, executor="serial", cache=tmp_path / "cache", desc="squares")
    assert results == [0, 1, 4, 9, 16, 25]
    assert sorted(int(c.name.split("-")[1]) for c in log.glob("call-*")) == [3, 4, 5]  # only these ran again


def test_results_are_json_types_whatever_the_executor():
    results = run_sweep(noisy_mean, GRID[:2], executor="serial")
    assert all(isinstance(r["mean"], float) for r in results)


def test_a_study_sweep_is_the_same_on_a_cluster_and_in_this_process(tmp_path):
    distributed = pytest.importorskip("dask.distributed", reason="the distributed extra is part of the test extra")
    from experiments import inverse_kernel as study

    with sweep_settings(executor="serial"):
        serial = study._errors_by_size(1.0, [3, 5, 7], desc="cross sizes")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        with sweep_settings(executor=client, cache=tmp_path):
            remote = study._errors_by_size(1.0, [3, 5, 7], desc="cross sizes")
    assert serial.tolist() == remote.tolist()
    assert len(list((tmp_path / "cross_sizes").glob("*.json"))) == 3
