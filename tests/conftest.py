"""Shared helpers: small MFF frames built row by row, so each test states exactly what the file holds."""
import numpy as np
import pandas as pd
import pytest

COLS = ["Period", "Geography", "Product", "Campaign", "Outlet", "Creative", "VariableName", "VariableValue"]


def weeks(n=8, start="2024-01-01"):
    return list(pd.date_range(start, periods=n, freq="W-MON").strftime("%Y-%m-%d"))


def rows(var, values, dates, geo=None, product=None, campaign=None, outlet=None, creative=None):
    "MFF rows of one series; `values` is a scalar, a list over dates, or a callable(i)."
    out = []
    for i, d in enumerate(dates):
        v = values(i) if callable(values) else (values[i] if isinstance(values, (list, np.ndarray)) else values)
        out.append({"Period": d, "Geography": geo, "Product": product, "Campaign": campaign, "Outlet": outlet,
                    "Creative": creative, "VariableName": var, "VariableValue": v})
    return out


def frame(*row_lists):
    return pd.DataFrame([r for rl in row_lists for r in rl], columns=COLS)


@pytest.fixture
def national():
    "National weekly KPI with two media channels and a price control."
    d = weeks(10)
    return frame(rows("Sales", lambda i: 100.0 + 3 * i, d), rows("TV", lambda i: 10.0 * (i % 3), d),
                 rows("Search", lambda i: 5.0 + i, d), rows("Price", lambda i: 9.0 + 0.1 * i, d))
