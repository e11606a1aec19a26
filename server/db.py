"""Engine and sessions, SQLite pragmas, the declarative base and shared column types."""
from __future__ import annotations

import datetime as dt
import operator
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    TypeDecorator,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, sessionmaker

from .core import dates

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (naive storage) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class ExactDecimal(TypeDecorator):
    """Decimal stored exactly: NUMERIC on PostgreSQL, integer units of 10**-scale on SQLite.

    SQLite has no decimal type: a NUMERIC column goes through float, and SUM() adds floats.
    Scaled integers (GnuCash stores amounts as integer fractions for the same reason) keep
    every stored value, comparison and SQL SUM exact on both databases.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 20, scale: int = 6) -> None:
        super().__init__(precision=precision, scale=scale)
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.impl.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            if isinstance(value, float):
                raise TypeError("floats are not money: convert with core.money.D() at the edge")
            value = Decimal(value)
        if value != value.quantize(self._quantum):
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        if dialect.name == "sqlite":
            return int(value.scaleb(self.scale))
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, float):
                # Only from expressions SQLite computed in floating point, or an untyped Decimal
                # literal (coalesce(sum(x), Decimal(0))) bound as a float. Zero is exact either way.
                if value == 0:
                    return Decimal(0).quantize(self._quantum)
                raise TypeError("a money expression was computed in floating point by SQLite")
            # scaleb of an integer gives exactly `scale` places: no quantize needed.
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value).quantize(self._quantum)


# Type aliases mapped once (STYLE: SQLAlchemy 2.0 docs).
Money = Annotated[Decimal, mapped_column(ExactDecimal(20, 4))]
Qty = Annotated[Decimal, mapped_column(ExactDecimal(18, 4))]
Rate = Annotated[Decimal, mapped_column(ExactDecimal(20, 10))]
Timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime())]
IntPK = Annotated[int, mapped_column(Integer().with_variant(BigInteger(), "postgresql"), primary_key=True)]
Str40 = Annotated[str, mapped_column(String(40))]
Str200 = Annotated[str, mapped_column(String(200))]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON(), list[Any]: JSON()}


class Versioned:
    """Optimistic locking: every mutable record carries `version`; writes must quote it."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=dates.now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=dates.now, onupdate=dates.now
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # The ORM adds "AND version = :old" to every UPDATE, so two writers cannot both win.
        return {"version_id_col": cls.__table__.c.version}


def _sqlite_pragmas(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy so BEGIN can be IMMEDIATE (pysqlite recipe).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
        # SQLite's lower() folds ASCII only; filters on Khmer/Cyrillic text use this instead.
        dbapi_conn.create_function("cb_casefold", 1, _casefold, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Write transactions take the write lock up front so two writers never deadlock
        # upgrading read locks; reads stay DEFERRED and run beside a writer (WAL).
        mode = "IMMEDIATE" if conn.get_execution_options().get("cb_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def _casefold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def make_engine(url: str, *, busy_timeout_ms: int = 15_000, echo: bool = False) -> Engine:
    """An engine with this project's settings for SQLite or PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            pool_size=10,
            max_overflow=20,
        )
        _sqlite_pragmas(engine, busy_timeout_ms)
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
    return engine


class Database:
    """The engine and two session factories: read (deferred) and write (BEGIN IMMEDIATE on SQLite)."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 15_000) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout_ms=busy_timeout_ms)
        self.read_session = sessionmaker(self.engine, expire_on_commit=False)
        self.write_session = sessionmaker(
            self.engine.execution_options(cb_write=True), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def insert_ids(session: Any, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows of a table with an integer key and answer their ids, in the rows' order.

    PostgreSQL: INSERT … RETURNING in batches (insertmanyvalues keeps the order). SQLite cannot
    promise RETURNING's order for a batch, so SQLAlchemy would send one statement per row (17,000
    rows: 17,000 statements); instead the ids are handed out here from the table's largest, which
    is safe because a SQLite writer holds the database's single write lock (BEGIN IMMEDIATE).
    """
    if not rows:
        return []
    if session.get_bind().dialect.name == "sqlite":
        start = (session.scalar(select(func.max(table.c.id))) or 0) + 1
        ids = list(range(start, start + len(rows)))
        insert_rows(session, table, [dict(r, id=i) for r, i in zip(rows, ids)])
        return ids
    return list(session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars())


def insert_rows(session: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows that all carry the same keys, straight to the driver's executemany.

    The same statement as `session.execute(insert(table), rows)`, and the same conversions (each
    column type's own bind processor: JSON, UTC datetimes, exact decimals), without SQLAlchemy
    building a parameter dictionary per row, which was most of the time of a 100,000-row import.
    """
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    columns = [table.c[k] for k in keys]
    processors = [c.type._cached_bind_processor(dialect) for c in columns]
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "
           f"VALUES ({', '.join([mark] * len(keys))})")
    conn.exec_driver_sql(sql, _params(rows, keys, processors))


def _params(rows: list[dict[str, Any]], keys: list[str], processors: list[Any]) -> list[tuple[Any, ...]]:
    """The rows as the driver's tuples, each value through its column's bind processor.

    A value every row shares (the batch's created_at, an empty `extra`, a NULL) is converted once;
    the others one by one (None too: JSON writes it as 'null'). The tuple is cut by itemgetter at C speed.
    """
    get = operator.itemgetter(*keys) if len(keys) > 1 else (lambda r: (r[keys[0]],))
    first = rows[0]
    fixed: list[tuple[int, Any]] = []
    varying: list[tuple[int, Any]] = []
    for j, (k, p) in enumerate(zip(keys, processors)):
        if p is None:
            continue
        v = first[k]
        if all(r[k] is v for r in rows):
            fixed.append((j, p(v)))
        else:
            varying.append((j, p))
    if not fixed and not varying:
        return [get(r) for r in rows]
    out = []
    for r in rows:
        values = list(get(r))
        for j, converted in fixed:
            values[j] = converted
        for j, p in varying:
            values[j] = p(values[j])
        out.append(tuple(values))
    return out
