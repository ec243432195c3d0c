"""genai-prices' bundled prices as its v2 data.json, for `ier-gate prices update`.

Usage: python3 scripts/genai-prices-v2-json.py UNPACKED_WHEEL_DIR > data.json

A genai-prices release on PyPI ships its prices as Python (genai_prices/data.py,
generated from prices/data.json); the v2 data.json itself lives in the GitHub
repository (prices/new_data/v2/data.json). This writes the wheel's providers in
the v2 JSON shape and proves the result faithful: genai-prices' own v2 loader
(types._providers_from_raw, what its UpdatePrices applies to the published
data.json) reads the text back to exactly the bundled providers, or the script
fails. On genai-prices at commit 47df840a (2026-08-21) the output equals that
commit's prices/new_data/v2/data.json value for value.

Decimals are written as their own digits, never through a float. Needs pydantic
(genai-prices' one dependency); httpx2, used only to fetch updates, is stubbed.

genai-prices is MIT-licensed, (c) Pydantic Services Inc.
"""
import re, dataclasses, datetime, decimal, json, sys, types as pytypes
sys.modules.setdefault('httpx2', pytypes.ModuleType('httpx2'))
if len(sys.argv) != 2:
    sys.exit(__doc__)
sys.path.insert(0, sys.argv[1])
from genai_prices import data, types as t

def enc(v):
    if dataclasses.is_dataclass(v):
        out = {}
        for f in dataclasses.fields(v):
            if not f.init:
                continue
            x = getattr(v, f.name)
            if x is None:
                continue
            out[f.name.rstrip('_')] = enc(x)
        return out
    if isinstance(v, t.ModelPrice):
        return {k: enc(x) for k, x in v._comparable_values().items()}
    if isinstance(v, (frozenset, set)):
        return sorted(enc(x) for x in v)
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if isinstance(v, dict):
        return {k: enc(x) for k, x in v.items()}
    if isinstance(v, decimal.Decimal):
        n = format(v, 'f')
        if '.' in n:
            n = n.rstrip('0').rstrip('.')
        return MARK + n
    if isinstance(v, datetime.time) and v.utcoffset() == datetime.timedelta(0):
        return v.replace(tzinfo=None).isoformat() + 'Z'
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    return v

MARK = '@@decimal@@'

raw = enc(data.providers)
text = json.dumps(raw, ensure_ascii=False, separators=(',', ':'))
text = re.sub('"' + MARK + '(-?[0-9.]+)"', r'\1', text)
back = t._providers_from_raw(json.loads(text, parse_float=decimal.Decimal, parse_int=decimal.Decimal))
assert back == data.providers, 'round trip differs'
sys.stdout.write(text + '\n')
