"""Optional pandas conversion: results become DataFrames when pandas is installed.

pandas is an optional extra (``pip install 'transition-pathways[pandas]'``), never a core
dependency, so it is imported only when a conversion is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._errors import PathwaysError

INSTALL_HINT = "pandas is not installed; install it with: pip install 'transition-pathways[pandas]'"


def to_frame(rows: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> Any:
    """A pandas DataFrame of plain records.

    Raises:
        PathwaysError: pandas is not installed (with the install command).
    """
    try:
        import pandas as pd
    except ModuleNotFoundError:
        raise PathwaysError(INSTALL_HINT) from None
    return pd.DataFrame(list(rows), columns=columns)
