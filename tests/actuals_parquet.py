#!/usr/bin/env python3
"""Writes the Langfuse observation fixture as Parquet, from the JSONL one
tests/actuals_gen.py writes (same records, same field names; structs for
usageDetails, costDetails and metadata, a list for tags, a timestamp for
startTime), once per codec exports use: snappy, zstd, gzip. The test
(tests/actuals_scale.rs) checks that each gives the JSONL's summary.

Usage: python tests/actuals_parquet.py      (needs `duckdb`; run it again
after changing tests/actuals_gen.py)
"""
import os

import duckdb

LOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "actuals", "logs")


def main():
    con = duckdb.connect()
    src = os.path.join(LOGS, "langfuse.jsonl")
    for codec in ("snappy", "zstd", "gzip"):
        out = os.path.join(LOGS, "langfuse.%s.parquet" % codec)
        con.execute("COPY (SELECT * FROM read_json(?, format = 'newline_delimited')) TO '%s' "
                    "(FORMAT parquet, COMPRESSION %s)" % (out.replace("'", "''"), codec), [src])
        print(out, os.path.getsize(out), "bytes")
    print(con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [out]).fetchall())


if __name__ == "__main__":
    main()
