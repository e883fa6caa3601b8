"""Exit 0 when the PostgreSQL server at the given URL answers, 1 otherwise (for the Makefile)."""

import asyncio
import sys

import asyncpg
from sqlalchemy.engine import make_url


async def _answers(url: str) -> bool:
    parsed = make_url(url)
    try:
        conn = await asyncpg.connect(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            database=parsed.database or "postgres",
            timeout=5,
        )
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
        return False
    await conn.close()
    return True


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(_answers(sys.argv[1])) else 1)
