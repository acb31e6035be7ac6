"""The asyncio flavour: providers that await an aiobotocore STS client, a cache that
single-flights refreshes without blocking the loop, and ``aiobotocore_session`` to
plug the cache into an aiobotocore session.

    pip install '.[aio]'    # from a clone
    python examples/stscreds/asyncio_bridge.py ROLE_ARN

Three concurrent calls through the assumed session; the role is assumed once.
"""

from __future__ import annotations

import asyncio
import sys

from aiobotocore.session import get_session

from resolver.stscreds.aio import (
    AsyncAssumeRoleProvider,
    AsyncCredentialsCache,
    aiobotocore_session,
)


async def main(role_arn: str) -> None:
    async with get_session().create_client("sts") as caller:
        provider = AsyncAssumeRoleProvider(caller, role_arn, tags={"team": "platform"})
        credentials = AsyncCredentialsCache(provider)
        assumed = aiobotocore_session(credentials)
        async with assumed.create_client("sts", region_name="us-east-1") as sts:
            identities = await asyncio.gather(*(sts.get_caller_identity() for _ in range(3)))
        for identity in identities:
            print(f"caller: {identity['Arn']}")
        print(f"assumed: {(await credentials.retrieve()).access_key_id}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
