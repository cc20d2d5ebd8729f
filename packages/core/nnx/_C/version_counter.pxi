# The version counter: bumped by every in-place write, shared by a tensor and all its
# views, and recorded when a tensor is saved for backward so that backward can tell
# that a value it needs was overwritten (torch's "modified by an inplace operation").

cdef class VersionCounter:

    def __repr__(self):
        return f"VersionCounter({self.version})"
