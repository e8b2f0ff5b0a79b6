"""The exposure tables' data-access class lives with the other store classes; importable from here too."""

from scanner.store.exposure import AccessChange, ExposureRow, ExposureStore

__all__ = ["AccessChange", "ExposureRow", "ExposureStore"]
