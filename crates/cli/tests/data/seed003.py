#!/usr/bin/env python3
"""Seed 003's function, verbatim, run on fixed weight matrices; prints the JSON committed as seed003.json.

Regenerate with:  python3 crates/cli/tests/data/seed003.py > crates/cli/tests/data/seed003.json
The Rust test (crates/cli/tests/seeds.rs) compares `quantscope tensor --scheme symmetric
--symmetric-divisor qmax --dtype int<n_bits> --format json --values` with these results, so it needs
no Python at run time.
"""
import json
from fractions import Fraction


# ---- seed 003, verbatim ----------------------------------------------------------------------
def per_channel_quantize(
    weights: list[list[float]],
    n_bits: int = 8
) -> dict:
    qmin = -(1 << (n_bits - 1))
    qmax = (1 << (n_bits - 1)) - 1
    n_rows = len(weights)
    n_cols = len(weights[0])

    scales = []
    quantized = []
    dequantized = []

    for row in weights:
        max_abs = max(abs(v) for v in row)
        scale = max_abs / qmax if max_abs > 0 else 1.0
        scales.append(scale)

        q_row = []
        dq_row = []
        for v in row:
            q = round(v / scale)
            q = max(qmin, min(qmax, q))  # clamp
            q_row.append(q)
            dq_row.append(q * scale)
        quantized.append(q_row)
        dequantized.append(dq_row)

    # Compute quantization error
    total_error = 0.0
    total_elements = 0
    max_error = 0.0
    for i in range(n_rows):
        for j in range(n_cols):
            err = abs(weights[i][j] - dequantized[i][j])
            total_error += err * err
            max_error = max(max_error, err)
            total_elements += 1

    mse = total_error / total_elements if total_elements > 0 else 0.0

    return {
        "scales": [round(s, 8) for s in scales],
        "quantized": quantized,
        "dequantized": dequantized,
        "mse": round(mse, 8),
        "max_error": round(max_error, 8)
    }
# ---- end of seed 003 -------------------------------------------------------------------------


# Weight matrices of the kind the seed describes: [out_channels, in] FP32-like weights.
MIXED = [
    [0.4213, -0.1837, 0.0921, -0.7764, 0.3348, 0.0112],
    [-1.9032, 0.8841, 1.2267, -0.0458, 0.6673, -1.1179],
    [0.0043, -0.0071, 0.0029, 0.0088, -0.0017, 0.0061],
    [2.7311, -0.3307, 0.1469, 0.9953, -2.2846, 0.0384],
]
ZERO_ROW = [
    [0.25, -0.61, 0.73, -0.09],
    [0.0, 0.0, 0.0, 0.0],
    [-0.333, 0.917, -0.451, 0.062],
]
OUTLIER = [
    [0.0123, -0.0456, 0.0789, 3.9871, -0.0234, 0.0567, -0.0891, 0.0345],
    [-0.5501, 0.4402, -0.3303, 0.2204, -0.1105, 0.0006, 0.1107, -0.2208],
]

CASES = [
    ("mixed-int8", MIXED, 8),
    ("mixed-int4", MIXED, 4),
    ("zero-row-int8", ZERO_ROW, 8),
    ("zero-row-int4", ZERO_ROW, 4),
    ("outlier-int8", OUTLIER, 8),
    ("outlier-int4", OUTLIER, 4),
]


def exact_ties(weights, n_bits):
    """Values whose v / scale is exactly k + 1/2 in decimal arithmetic (as typed)."""
    qmax = (1 << (n_bits - 1)) - 1
    ties = []
    for row in weights:
        m = max(abs(Fraction(repr(v))) for v in row)
        if m == 0:
            continue
        for v in row:
            t = Fraction(repr(v)) * qmax / m
            if t.denominator == 2:
                ties.append(v)
    return ties


def main():
    cases = []
    for name, weights, n_bits in CASES:
        # A decimal tie is where the textbook convention (exact decimals) and Python's float
        # arithmetic may legitimately disagree; these inputs have none.
        assert not exact_ties(weights, n_bits), (name, exact_ties(weights, n_bits))
        cases.append({"name": name, "n_bits": n_bits, "weights": weights, "result": per_channel_quantize(weights, n_bits)})
    print(json.dumps({"generator": "crates/cli/tests/data/seed003.py", "cases": cases}, indent=1))


if __name__ == "__main__":
    main()
