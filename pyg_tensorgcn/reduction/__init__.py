"""Model reduction with POD and (Q-)DEIM on the same algebra as the networks."""
from .interpolation import POD, Interpolation, deim, interpolate, pod, qdeim
from .reduce import LayerReport, ResidualLayer, ResidualNet, reduce

__all__ = ["POD", "Interpolation", "pod", "deim", "qdeim", "interpolate", "reduce",
           "LayerReport", "ResidualLayer", "ResidualNet"]
