#!/usr/bin/env python3
"""DuckDB's side of bench/actuals.sh: the per-user figures of SPEC 8.2 from
the same LiteLLM JSONL file ier-gate reads, in one query: the feature from
the `feature:` tag of `request_tags`, the user from `end_user`, calls per
(month, feature, user), then per feature the active users, the mean, p50
and p95 by nearest rank (the value at rank ceil(p/100 * n)), and the token
sums. Prints the figures as JSON, as bench/actuals.sh compares them.

Usage: bench/actuals_duckdb.py FILE.jsonl [THREADS]
"""
import json, sys

import duckdb

QUERY = """
WITH rows AS (
  SELECT strftime("startTime", '%Y-%m') AS month,
    substr(list_filter(request_tags, lambda t: starts_with(t, 'feature:'))[1], 9) AS feature,
    COALESCE(NULLIF(end_user, ''), NULLIF("user", '')) AS user_id,
    prompt_tokens, completion_tokens,
    COALESCE(metadata.usage_object.cache_read_input_tokens, 0) AS cache_read,
    COALESCE(metadata.usage_object.cache_creation_input_tokens, 0) AS cache_write
  FROM read_json(?, format = 'newline_delimited', columns = {
    "startTime": 'TIMESTAMP', request_tags: 'VARCHAR[]', end_user: 'VARCHAR', "user": 'VARCHAR',
    prompt_tokens: 'BIGINT', completion_tokens: 'BIGINT',
    metadata: 'STRUCT(usage_object STRUCT(cache_read_input_tokens BIGINT, cache_creation_input_tokens BIGINT))'})
), per_user AS (
  SELECT month, feature, user_id, COUNT(*) AS calls,
    SUM(prompt_tokens) AS input, SUM(completion_tokens) AS output,
    SUM(cache_read) AS cache_read, SUM(cache_write) AS cache_write
  FROM rows WHERE feature IS NOT NULL AND user_id IS NOT NULL
  GROUP BY month, feature, user_id
), ranked AS (
  SELECT *, row_number() OVER (PARTITION BY month, feature ORDER BY calls) AS r,
    COUNT(*) OVER (PARTITION BY month, feature) AS n
  FROM per_user
)
SELECT month, feature, COUNT(*) AS active_users, SUM(calls) AS calls,
  CAST(round(AVG(calls), 2) AS VARCHAR) AS mean,
  MAX(CASE WHEN r = greatest(1, CAST(ceil(n * 50 / 100.0) AS BIGINT)) THEN calls END) AS p50,
  MAX(CASE WHEN r = greatest(1, CAST(ceil(n * 95 / 100.0) AS BIGINT)) THEN calls END) AS p95,
  SUM(input) AS input, SUM(output) AS output, SUM(cache_read) AS cache_read, SUM(cache_write) AS cache_write
FROM ranked GROUP BY month, feature ORDER BY month, feature
"""


def main():
    con = duckdb.connect()
    if len(sys.argv) > 2:
        con.execute("SET threads = %d" % int(sys.argv[2]))
    cols = ["month", "feature", "active_users", "calls", "mean", "p50", "p95",
            "input", "output", "cache_read", "cache_write"]
    out = [dict(zip(cols, r)) for r in con.execute(QUERY, [sys.argv[1]]).fetchall()]
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
