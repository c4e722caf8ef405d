"""Nearest-neighbour retrieval in embedding space across groups (ACC paper, Fig. 4 right):
for every query, its nearest neighbour among the pool members of each group (e.g. each digit
class), so a style-isolating embedding retrieves digits of the query's style in every class."""

from __future__ import annotations

import numpy as np

from cyclekit.errors import DataError


def nearest_in_each_group(queries: np.ndarray, pool: np.ndarray, pool_groups: np.ndarray,
                          groups: list[int] | None = None) -> np.ndarray:
    """Indices into ``pool`` ``(len(queries), len(groups))``: the pool member of group g
    nearest (Euclidean) to each query. ``groups`` defaults to all groups in sorted order."""
    queries, pool, pool_groups = np.asarray(queries), np.asarray(pool), np.asarray(pool_groups)
    if queries.ndim != 2 or pool.ndim != 2 or queries.shape[1] != pool.shape[1] \
            or pool_groups.shape != (len(pool),):
        raise DataError(f"retrieval needs queries (Q, E), pool (P, E) and pool groups (P,), got "
                        f"{queries.shape}, {pool.shape}, {pool_groups.shape}")
    groups = sorted(np.unique(pool_groups).tolist()) if groups is None else groups
    result = np.empty((len(queries), len(groups)), dtype=np.int64)
    for column, group in enumerate(groups):
        members = np.flatnonzero(pool_groups == group)
        if len(members) == 0:
            raise DataError(f"the retrieval pool has no member of group {group}")
        distances = ((queries[:, None, :] - pool[None, members, :]) ** 2).sum(-1)
        result[:, column] = members[distances.argmin(1)]
    return result
