"""Fuzz nnx.load with mutated real checkpoints: only CheckpointError may ever escape.

Seeds are torch's golden files (zip and legacy), an nnx-written file and a deflated copy.
Mutations: bit flips, byte overwrites, truncation, zip length/offset/count fields, pickle
opcodes and their integer arguments, and spliced chunks. Every mutant either loads or raises
CheckpointError; anything else (another exception, a hang past the alarm) fails with the
iteration number, so ``NNX_FUZZ_SEED`` + the number replays it.

The default run does ``NNX_FUZZ_ITERATIONS`` = 2000 mutants (about a second); ``nox -s fuzz``
sets a much larger count.
"""

import io
import os
import pickletools
import random
import signal
import struct
import zipfile

import pytest
from _checkpoint_helpers import golden

import nnx
from nnx.serialization import CheckpointError

ITERATIONS = int(os.environ.get("NNX_FUZZ_ITERATIONS", "2000"))
SEED = int(os.environ.get("NNX_FUZZ_SEED", "20261125"))
SECONDS_PER_LOAD = 10
SEED_FILES = ["state_dict.pt", "state_dict_legacy.pt", "views.pt", "views_legacy.pt",
              "wrappers.pt", "wrappers_legacy.pt", "dtypes.pt", "parameters_legacy.pt"]
PICKLE_OPCODES = [op.code.encode("latin1") for op in pickletools.opcodes]
INTERESTING = [0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 2**31, 63, 64, 65]


def _seeds():
    seeds = []
    for name in SEED_FILES:
        with open(golden(name), "rb") as f:
            seeds.append(f.read())
    buffer = io.BytesIO()
    base = nnx.arange(12.0).reshape(3, 4)
    nnx.save({"w": base, "t": base.t(), "p": nnx.nn.Parameter(nnx.ones(2)),
              "i": nnx.tensor([1, 2], dtype=nnx.int16), "meta": [1, "x", None]}, buffer)
    seeds.append(buffer.getvalue())
    deflated = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(seeds[0])) as src, \
            zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    seeds.append(deflated.getvalue())
    return seeds


def _zip_fields(data):
    """Offsets of the 2/4-byte fields of every zip header found in ``data``."""
    fields = []
    layouts = {b"PK\x03\x04": [(6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2)],
               b"PK\x01\x02": [(8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2),
                               (42, 4)],
               b"PK\x05\x06": [(8, 2), (10, 2), (12, 4), (16, 4)],
               b"PK\x06\x06": [(24, 8), (32, 8), (40, 8), (48, 8)],
               b"PK\x06\x07": [(8, 8)]}
    for signature, layout in layouts.items():
        start = data.find(signature)
        while start >= 0:
            fields += [(start + offset, width) for offset, width in layout]
            start = data.find(signature, start + 1)
    return fields


def _pickle_span(data):
    """Where the (first) pickle lives: data.pkl's bytes in a zip, the stream otherwise."""
    if data[:4] != b"PK\x03\x04":
        return 0, len(data)
    name_len, extra_len = struct.unpack("<HH", data[26:30])
    start = 30 + name_len + extra_len
    end = data.find(b"PK\x07\x08", start)
    return start, end if end > 0 else len(data)


def mutate(data, rng):
    data = bytearray(data)
    kind = rng.randrange(8)
    if kind == 0:                                             # bit flips
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == 1:                                           # truncation
        del data[rng.randrange(len(data)):]
    elif kind == 2:                                           # byte overwrites
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
    elif kind == 3 and data[:2] == b"PK":                     # zip length / offset fields
        for _ in range(rng.randint(1, 2)):
            offset, width = rng.choice(_zip_fields(bytes(data)))
            value = rng.choice(INTERESTING + [int.from_bytes(data[offset:offset + width],
                                                             "little") + rng.choice([-1, 1])])
            data[offset:offset + width] = (value % (1 << (8 * width))).to_bytes(width, "little")
    elif kind in (3, 4):                                      # a pickle opcode replaced
        start, end = _pickle_span(data)
        data[rng.randrange(start, end)] = rng.choice(PICKLE_OPCODES)[0]
    elif kind == 5:                                           # pickle integer arguments
        start, end = _pickle_span(data)
        positions = [i for i in range(start, end - 1) if data[i] in b"KJMh"]
        if positions:
            i = rng.choice(positions) + 1
            data[i] = rng.choice(INTERESTING) & 0xFF
    elif kind == 6:                                           # insert / delete in the pickle
        start, end = _pickle_span(data)
        i = rng.randrange(start, end)
        if rng.random() < 0.5:
            data[i:i] = rng.choice(PICKLE_OPCODES) + bytes(rng.randrange(256)
                                                           for _ in range(rng.randrange(5)))
        else:
            del data[i:i + rng.randint(1, 8)]
    else:                                                     # splice a chunk elsewhere
        a, b = sorted(rng.randrange(len(data)) for _ in range(2))
        i = rng.randrange(len(data))
        data[i:i + (b - a)] = data[a:b]
    return bytes(data)


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


_HAS_ALARM = hasattr(signal, "SIGALRM")     # POSIX; elsewhere a hang hangs the test instead


def _set_alarm(seconds):
    if _HAS_ALARM:
        signal.alarm(seconds)


@pytest.fixture
def alarm():
    previous = signal.signal(signal.SIGALRM, _alarm) if _HAS_ALARM else None
    yield
    if _HAS_ALARM:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_seeds_load():
    for seed in _seeds():
        nnx.load(io.BytesIO(seed))


def test_mutated_checkpoints_raise_only_checkpoint_error(alarm):
    seeds = _seeds()
    rng = random.Random(SEED)
    outcomes = {"loaded": 0, "refused": 0}
    for iteration in range(ITERATIONS):
        mutant = mutate(rng.choice(seeds), rng)
        _set_alarm(SECONDS_PER_LOAD)
        try:
            nnx.load(io.BytesIO(mutant))
            outcomes["loaded"] += 1
        except CheckpointError:
            outcomes["refused"] += 1
        except _Hang:
            pytest.fail(f"iteration {iteration} (seed {SEED}): load took over "
                        f"{SECONDS_PER_LOAD} s")
        except BaseException as exc:  # noqa: BLE001 - anything else is the bug we look for
            pytest.fail(f"iteration {iteration} (seed {SEED}): {type(exc).__name__}: {exc}")
        finally:
            _set_alarm(0)
    # both outcomes happen: the mutations are neither all fatal nor all harmless
    if ITERATIONS >= 200:
        assert outcomes["loaded"] > ITERATIONS // 20 and outcomes["refused"] > ITERATIONS // 4
    print(f"fuzz: {ITERATIONS} mutants, {outcomes}")
