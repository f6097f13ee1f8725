"""boto3 clients, built the same way for every service."""

from __future__ import annotations

from typing import Any


def client(service: str, region: str, endpoint_url: str | None) -> Any:
    import boto3
    from botocore.config import Config

    # account_id_endpoint_mode: botocore >= 1.44.4 would send DynamoDB Streams calls to an
    # account-scoped host that moto does not serve (stack-notes.md, risk 1).
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        config=Config(
            retries={"mode": "standard", "max_attempts": 4},
            account_id_endpoint_mode="disabled",
            # An explicit endpoint (moto locally) serves buckets by path, not by host name.
            s3={"addressing_style": "path"} if endpoint_url else None,
        ),
    )
