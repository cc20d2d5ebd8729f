"""Recurrent layers' engine: the NumPy reference cells (``reference``), the typed-Cython time
loops (``_driver``), the layers x directions orchestration (``_sequence``) and the autograd
node of one layer call (``_node``)."""
