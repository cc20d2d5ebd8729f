"""Repr helpers shared by Module and the containers."""


def addindent(text, num_spaces):
    """Indent every line of ``text`` but the first by ``num_spaces`` (blank lines stay
    empty), so a child's multi-line repr nests under its ``(name): `` prefix."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * num_spaces
    return "\n".join([lines[0]] + [pad + line if line.strip() else "" for line in lines[1:]])
