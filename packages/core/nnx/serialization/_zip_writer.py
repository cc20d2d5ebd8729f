"""A zip writer laid out like torch's (miniz in PyTorchFileWriter), verified on torch 2.13:

- every record stored (method 0), general flag 0x0808 (data descriptor, UTF-8 names),
  version fields 0, DOS time/date 0;
- the local header's CRC and sizes are 0, an extra field ``FB`` padded with ``Z`` puts the
  record's data on a 64-byte boundary, and a data descriptor (``PK\\x07\\x08``, CRC, sizes)
  follows the data;
- the central directory carries the real CRC and sizes, then a zip64 end-of-central-directory
  record and locator, then the classic end record. Records or offsets past 4 GiB get zip64
  extra fields (and 8-byte descriptor sizes).
"""

import struct
import zlib

_ZIP64_LIMIT = 0xFFFFFFFF       # sizes/offsets from here on need zip64 (tests lower it)
_MARKER32 = 0xFFFFFFFF          # "see the zip64 field" in a 32-bit size or offset
_ALIGNMENT = 64
_CRC_CHUNK = 1 << 26


class ZipWriter:
    """Append records to a binary file object opened for writing at position 0."""

    def __init__(self, file):
        self._file = file
        self._offset = 0
        self._entries = []      # (name_bytes, crc, size, header_offset)

    def _write(self, data):
        self._file.write(data)
        self._offset += len(data)

    def write_record(self, name, data):
        """Write one record; ``data`` is bytes or a 1-D uint8 array (written without a copy)."""
        name_bytes = name.encode("utf-8")
        header_offset = self._offset
        fixed = 30 + len(name_bytes) + 4              # 4: the FB extra field's own header
        pad = -(header_offset + fixed) % _ALIGNMENT
        extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        self._write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 0, 0x0808, 0, 0, 0, 0, 0, 0,
                                len(name_bytes), len(extra)) + name_bytes + extra)
        view = memoryview(data).cast("B")
        crc = 0
        for start in range(0, len(view), _CRC_CHUNK):
            crc = zlib.crc32(view[start:start + _CRC_CHUNK], crc)
        self._file.write(view)
        self._offset += len(view)
        size = len(view)
        if size >= _ZIP64_LIMIT or header_offset >= _ZIP64_LIMIT:
            self._write(struct.pack("<4sIQQ", b"PK\x07\x08", crc, size, size))
        else:
            self._write(struct.pack("<4sIII", b"PK\x07\x08", crc, size, size))
        self._entries.append((name_bytes, crc, size, header_offset))

    def close(self):
        """Write the central directory and the end records."""
        cd_start = self._offset
        for name_bytes, crc, size, header_offset in self._entries:
            zip64 = []
            if size >= _ZIP64_LIMIT:
                zip64 += [size, size]
            if header_offset >= _ZIP64_LIMIT:
                zip64.append(header_offset)
            extra = struct.pack(f"<2H{len(zip64)}Q", 1, 8 * len(zip64), *zip64) if zip64 else b""
            small_size = _MARKER32 if size >= _ZIP64_LIMIT else size
            small_offset = _MARKER32 if header_offset >= _ZIP64_LIMIT else header_offset
            version = 45 if zip64 else 0
            self._write(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", version, version, 0x0808, 0,
                                    0, 0, crc, small_size, small_size, len(name_bytes),
                                    len(extra), 0, 0, 0, 0, small_offset)
                        + name_bytes + extra)
        cd_size = self._offset - cd_start
        count = len(self._entries)
        eocd64_offset = self._offset
        self._write(struct.pack("<4sQ2H2I4Q", b"PK\x06\x06", 44, 0x031E, 45, 0, 0, count, count,
                                cd_size, cd_start))
        self._write(struct.pack("<4sIQI", b"PK\x06\x07", 0, eocd64_offset, 1))
        self._write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, min(count, 0xFFFF),
                                min(count, 0xFFFF), min(cd_size, _MARKER32),
                                min(cd_start, _MARKER32), 0))
