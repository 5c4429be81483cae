"""Rate-limit counters, shared by every server process through the database."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jobshots.db.base import Base


class RateCount(Base):
    """Requests one caller (an API key, an account or an address) made in one fixed window."""

    __tablename__ = "rate_counts"

    # "key:<id>", "user:<id>" or "ip:<address>".
    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Unix time the window began, a multiple of its length.
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    hits: Mapped[int] = mapped_column(Integer)
