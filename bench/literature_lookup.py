"""A 50-pair literature lookup against the local stand-in (never the real NCBI services): cold cache,
then warm cache, at NCBI's 3 requests/s and at 10/s (an API key).

    .venv/bin/python bench/literature_lookup.py [--pairs 50] [--per-pair 3]

Reference, computed in the same run: the time the rate limit alone imposes on the busier service
(its request count / its rate, both services running side by side). The cold lookup's ratio to it
says how much the client adds on top of the limit; the warm lookup makes no request at all.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grncore.literature import Eutils, LiteratureStore, PubTator, lookup  # noqa: E402
from tests.literature_standin import StandIn, synthetic_papers  # noqa: E402


def one(pairs, per_pair: int, rate: float, api_key: str | None) -> dict:
    with StandIn(synthetic_papers(pairs, per_pair=per_pair)) as s, tempfile.TemporaryDirectory() as tmp:
        store = LiteratureStore(tmp)
        eu = Eutils(s.eutils_url, api_key=api_key, email="bench@example.org")
        pt = PubTator(s.pubtator_url, rate=rate)
        t0 = time.perf_counter()
        cold = lookup(pairs, store, eutils=eu, pubtator=pt)
        t_cold = time.perf_counter() - t0
        n_cold = len(s.received())
        t0 = time.perf_counter()
        warm = lookup(pairs, store, eutils=eu, pubtator=pt)
        t_warm = time.perf_counter() - t0
        n_warm = len(s.received()) - n_cold
        assert (cold.evidence["pubmed_count"] == per_pair).all() and warm.evidence.equals(cold.evidence)
        n_e = cold.services["E-utilities"].requests
        n_p = cold.services["PubTator3"].requests
        ideal = max((n_e - 1) / eu.rate, (n_p - 1) / pt.rate)  # n requests need n-1 intervals
    return {"rate": rate, "cold_s": t_cold, "warm_s": t_warm, "requests_cold": n_cold, "requests_warm": n_warm,
            "eutils_requests": n_e, "pubtator_requests": n_p, "limit_s": ideal}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--per-pair", type=int, default=3)
    args = ap.parse_args()
    pairs = [(f"Tf{i}", f"Gene{i}") for i in range(args.pairs)]
    print(f"{args.pairs}-pair lookup against the 127.0.0.1 stand-in ({args.per_pair} papers per pair)")
    print("| rate (req/s) | requests cold (E-utilities + PubTator3) | cold s | rate-limit floor s | cold / floor "
          "| warm s | requests warm | cold / warm |")
    print("|---|---|---|---|---|---|---|---|")
    for rate, key in ((3.0, None), (10.0, "bench-key")):
        r = one(pairs, args.per_pair, rate, key)
        print(f"| {rate:g} | {r['requests_cold']} ({r['eutils_requests']} + {r['pubtator_requests']}) "
              f"| {r['cold_s']:.2f} | {r['limit_s']:.2f} | {r['cold_s'] / r['limit_s']:.2f} "
              f"| {r['warm_s']:.3f} | {r['requests_warm']} | {r['cold_s'] / r['warm_s']:.0f}x |")


if __name__ == "__main__":
    main()
