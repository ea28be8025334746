"""Model reduction with POD and (Q-)DEIM on the same algebra as the networks."""
from .interpolation import POD, Interpolation, deim, interpolate, pod, qdeim

__all__ = ["POD", "Interpolation", "pod", "deim", "qdeim", "interpolate"]
