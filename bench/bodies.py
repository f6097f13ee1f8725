"""A 50 MB object body through the chunked-upload API, and what it costs the API process.

moto runs as a separate process (``moto_server``), so the peak memory measured here is the
API's alone (Chalice's handler in this process, as the API Lambda runs it): the body goes up
in 4 MiB chunks (the API path's limit), S3 gets parts of >= 5 MiB, and comes back down as
4 MiB ranges; the SHA-256 of what came back must match.

    .venv/bin/python bench/bodies.py [--mb 50]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import socket
import subprocess
import time
from dataclasses import replace
from pathlib import Path

from common import ROOT, save

CHUNK = 4 * 1024 * 1024


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args()
    port = _free_port()
    moto = subprocess.Popen(
        [str(Path(ROOT) / ".venv" / "bin" / "moto_server"), "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(2.0)
        results = run(args.mb, f"http://127.0.0.1:{port}")
    finally:
        moto.terminate()
        moto.wait(10)
    print(json.dumps(results, indent=2))
    save("bodies", results)


def run(megabytes: int, endpoint: str) -> dict[str, object]:
    from chalice.test import Client

    from app import app
    from chalicelib import config, wiring
    from chalicelib.local.tables import table_definitions

    settings = replace(config.Settings(), scrypt_log2_n=4, aws_endpoint=endpoint)
    wiring.provision_tables(settings, table_definitions())
    wiring.provision_bodies_bucket(settings)
    services = wiring.build_for_aws(settings)
    wiring.use(services)
    app_id = services.apps.create("bench").app_id
    data = os.urandom(megabytes * 1024 * 1024)
    with Client(app) as client:
        base = f"/api/apps/{app_id}"
        user = json.loads(
            client.http.post(
                f"{base}/users",
                headers={"Content-Type": "application/vnd.kii.RegistrationAndAuthorizationRequest+json"},
                body=json.dumps({"loginName": "bench", "password": "pass1234"}),
            ).body
        )
        auth = {"Authorization": f"Bearer {user['_accessToken']}"}
        created = json.loads(
            client.http.post(
                f"{base}/buckets/files/objects",
                headers={**auth, "Content-Type": "application/json"},
                body="{}",
            ).body
        )
        body = f"{base}/buckets/files/objects/{created['objectID']}/body"
        rss_before = _peak_rss_mb()
        start = time.perf_counter()
        upload_id = json.loads(
            client.http.post(
                f"{body}/uploads", headers={**auth, "Content-Type": "application/json"}, body="{}"
            ).body
        )["uploadID"]
        for offset in range(0, len(data), CHUNK):
            chunk = data[offset : offset + CHUNK]
            reply = client.http.put(
                f"{body}/uploads/{upload_id}/data",
                headers={
                    **auth,
                    "Content-Type": "application/octet-stream",
                    "Content-Range": f"bytes={offset}-{offset + len(chunk) - 1}/{len(data)}",
                },
                body=chunk,
            )
            assert reply.status_code == 204, reply.body
        committed = client.http.post(f"{body}/uploads/{upload_id}/status/committed", headers=auth)
        assert committed.status_code == 204, committed.body
        uploaded = time.perf_counter()
        digest = hashlib.sha256()
        for offset in range(0, len(data), CHUNK):
            reply = client.http.get(body, headers={**auth, "Range": f"bytes={offset}-{offset + CHUNK - 1}"})
            assert reply.status_code == 206
            digest.update(reply.body)
        downloaded = time.perf_counter()
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest(), "the body came back changed"
    return {
        "platform": platform.platform(),
        "megabytes": megabytes,
        "chunk_mib": CHUNK // (1024 * 1024),
        "upload_s": round(uploaded - start, 2),
        "download_s": round(downloaded - uploaded, 2),
        "sha256_matches": True,
        # The test data itself (megabytes) is held by this process too.
        "peak_rss_mb_before": round(rss_before, 1),
        "peak_rss_mb_after": round(_peak_rss_mb(), 1),
    }


if __name__ == "__main__":
    main()
