"""Numbers in a summary's cells and footer: thousands separators and decimal units.

torchinfo 1.8.0 prints every size in MB (``Input size (MB): 0.00``) and mult-adds in M/G/T;
its repository HEAD scales both automatically.  nnx follows HEAD, with SI prefixes (1e3,
1e6, ...; not KiB/MiB): ``Input size (kB): 20.54``, ``Params size: 856``,
``Total mult-adds (M): 3.41``.  A value that is a whole number in its unit prints without
decimals (``Params size (kB): 120``), as in torchinfo.
"""

__all__ = ["format_int", "scaled", "format_count_line", "format_bytes_line"]

# (factor, prefix), largest first; below 1e3 no prefix
_PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def format_int(n):
    """``1234567`` -> ``"1,234,567"``."""
    return f"{int(n):,}"


def scaled(n):
    """``(prefix, value)``: ``n`` in the largest SI unit it reaches (prefix "" below 1e3)."""
    for factor, prefix in _PREFIXES:
        if n >= factor:
            return prefix, n / factor
    return "", float(n)


def _number(value):
    """torchinfo's number format: whole numbers as ``1,234``, others as ``12.34``."""
    if float(value).is_integer():
        return f"{int(value):,d}"
    return f"{value:,.2f}"


def format_count_line(label, n, scale=True):
    """``"Total params: 21,840"`` (``scale=False``) or ``"Total mult-adds (M): 3.41"``."""
    if not scale:
        return f"{label}: {format_int(n)}"
    prefix, value = scaled(n)
    unit = f" ({prefix})" if prefix else ""
    return f"{label}{unit}: {_number(value)}"


def format_bytes_line(label, nbytes):
    """``"Params size (kB): 87.36"``, ``"Input size: 856"`` (bytes, decimal units)."""
    prefix, value = scaled(nbytes)
    unit = f" ({prefix}B)" if prefix else ""
    return f"{label}{unit}: {_number(value)}"
