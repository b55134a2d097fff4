"""Four real processes call get_file(extract=True) on the same archive at the same moment:
all succeed, the file is downloaded once and extracted once, and nothing is left over."""

import io
import json
import os
import subprocess
import sys
import tarfile
import textwrap
import time

from local_http_server import serving

PROCESSES = 4
ROUNDS = 3

WORKER = textwrap.dedent(
    """
    import json, os, sys, time
    import lamina.datasets.download as download

    base, url, rounds, me = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    real_extract = download.extract_archive
    current = {}

    def counted_extract(archive, target):
        with open(os.path.join(base, f"extractions-{current['round']}.log"), "a") as log:
            log.write(f"{os.getpid()}\\n")
        time.sleep(0.2)  # a slow extraction: the others arrive while it runs
        return real_extract(archive, target)

    download.extract_archive = counted_extract
    open(os.path.join(base, f"ready-{me}"), "w").close()
    for round_ in range(rounds):
        current["round"] = round_
        while not os.path.exists(os.path.join(base, f"go-{round_}")):
            time.sleep(0.002)
        name = f"data{round_}.tar.gz"
        try:
            path = download.get_file(name, url + name, cache_dir=os.path.join(base, "cache"),
                                     extract=True, progress=False)
            result = {"ok": True, "path": path, "files": sorted(os.listdir(path))}
        except BaseException as error:
            result = {"ok": False, "error": repr(error)}
        with open(os.path.join(base, f"result-{round_}-{me}.json"), "w") as out:
            json.dump(result, out)
    """
)


def archive_bytes(round_):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for index in range(20):
            data = f"round {round_} file {index}\n".encode() * 2000
            info = tarfile.TarInfo(f"data/part{index:02d}.txt")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def wait_for(paths, seconds, what):
    deadline = time.monotonic() + seconds
    while not all(os.path.exists(p) for p in paths):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_concurrent_extractions_of_one_archive_all_succeed_and_extract_once(tmp_path):
    with serving() as server:
        server.delay_s = 0.2  # every process is inside get_file before the first finishes
        for round_ in range(ROUNDS):
            server.files[f"data{round_}.tar.gz"] = archive_bytes(round_)
        script = tmp_path / "worker.py"
        script.write_text(WORKER)
        workers = [
            subprocess.Popen(
                [sys.executable, str(script), str(tmp_path), server.url(""), str(ROUNDS), str(me)],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )
            for me in range(PROCESSES)
        ]
        try:
            wait_for([tmp_path / f"ready-{me}" for me in range(PROCESSES)], 300, "the workers to start")
            for round_ in range(ROUNDS):
                (tmp_path / f"go-{round_}").touch()
                results = [tmp_path / f"result-{round_}-{me}.json" for me in range(PROCESSES)]
                wait_for(results, 120, f"round {round_}")
                time.sleep(0.05)  # let the last result file be written out
                outcomes = [json.loads(path.read_text()) for path in results]
                assert all(o["ok"] for o in outcomes), f"round {round_}: {outcomes}"
                assert {o["path"] for o in outcomes} == {str(tmp_path / "cache" / "datasets" / f"data{round_}_extracted")}
                assert all(o["files"] == ["data"] for o in outcomes)
                assert server.count(f"data{round_}.tar.gz") == 1, f"round {round_}: downloaded more than once"
                extractions = (tmp_path / f"extractions-{round_}.log").read_text().split()
                assert len(extractions) == 1, f"round {round_}: extracted by {extractions}"
        finally:
            for worker in workers:
                try:
                    worker.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
    for worker in workers:
        assert worker.returncode == 0, worker.stdout.read().decode()[-2000:]
    leftovers = sorted(os.listdir(tmp_path / "cache" / "datasets"))
    expected = sorted([f"data{r}.tar.gz" for r in range(ROUNDS)] + [f"data{r}_extracted" for r in range(ROUNDS)])
    assert leftovers == expected  # no lock file, no .part, no half-extracted folder
