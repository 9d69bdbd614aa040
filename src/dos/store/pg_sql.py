"""SQL text for PostgreSQL: the store writes ``?`` placeholders; psycopg wants ``%s``."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1024)  # the store's statements are a fixed set of texts (values travel as parameters)
def translate(sql: str) -> str:
    """``?`` placeholders to ``%s`` outside quotes and comments; every literal ``%`` doubled.

    Understands standard '...' and "..." quoting and both comment forms, which is all the
    store's SQL uses (values always travel as parameters); not E'' or $$ strings.
    """
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1].replace("%", "%%"))
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j].replace("%", "%%"))
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(sql[i:j].replace("%", "%%"))
            i = j
        elif c == "?":
            out.append("%s")
            i += 1
        elif c == "%":
            out.append("%%")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)
